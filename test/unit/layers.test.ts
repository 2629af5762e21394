import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";

/**
 * The layers and which way their imports run (docs/architecture.md):
 * domain ← config ← components ← index.ts; contracts ← provider, components, operations; operations → domain.
 * Read from the source text, so a new import that crosses a layer fails here before review.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

type Layer = "domain" | "config" | "contracts" | "operations" | "provider" | "components" | "program";

/** For each layer: the project layers it may import, and which packages. */
const ALLOWED: Record<Layer, { layers: Layer[]; packages: (name: string) => boolean }> = {
    // Pure: no Pulumi, no file system, no processes. Hashing a config and joining a host's paths is as far as it goes.
    domain: { layers: ["domain"], packages: (p) => p === "crypto" || p === "path" },
    config: { layers: ["domain", "config"], packages: (p) => p === "zod" || p === "@pulumi/pulumi" },
    contracts: { layers: ["domain", "contracts"], packages: (p) => p === "zod" },
    operations: {
        layers: ["domain", "contracts", "operations"],
        packages: (p) => NODE.has(p) || p.startsWith("@aws-sdk/") || p === "ssh2",
    },
    provider: {
        layers: ["domain", "contracts", "operations", "provider"],
        // engineLog.ts speaks to the engine over its own gRPC service.
        packages: (p) => NODE.has(p) || p.startsWith("@pulumi/pulumi/") || p === "@grpc/grpc-js",
    },
    components: {
        layers: ["domain", "config", "contracts", "components"],
        packages: (p) => NODE.has(p) || p.startsWith("@pulumi/"),
    },
    program: { layers: ["domain", "config", "components"], packages: (p) => NODE.has(p) || p === "@pulumi/pulumi" },
};

function layerOf(file: string): Layer | undefined {
    const rel = path.relative(ROOT, file);
    if (rel === "index.ts") {
        return "program";
    }
    const top = rel.split(path.sep)[0];
    return top in ALLOWED && top !== "program" ? (top as Layer) : undefined;
}

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? sourceFiles(full) : e.name.endsWith(".ts") ? [full] : [];
    });
}

/** Every module a file imports or requires, as written. */
export function importsOf(text: string): string[] {
    const specs: string[] = [];
    const pattern = /(?:^|[^.\w])(?:import|export)\s[^;]*?from\s*"([^"]+)"|require\("([^"]+)"\)|^import\s*"([^"]+)"/gm;
    for (const m of text.matchAll(pattern)) {
        specs.push(m[1] ?? m[2] ?? m[3]);
    }
    return specs;
}

function resolveRelative(from: string, spec: string): string {
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
            return candidate;
        }
    }
    throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which is not a file`);
}

const files = [
    path.join(ROOT, "index.ts"),
    ...(["domain", "config", "contracts", "operations", "provider", "components"] as const).flatMap((d) =>
        sourceFiles(path.join(ROOT, d)),
    ),
];
const graph = new Map<string, string[]>();
for (const file of files) {
    graph.set(
        file,
        importsOf(fs.readFileSync(file, "utf8"))
            .filter((s) => s.startsWith("."))
            .map((s) => resolveRelative(file, s)),
    );
}

describe("layers", () => {
    it("finds the layers' files and their imports", () => {
        // A check over nothing would pass: the tree must have every layer, and imports to check.
        for (const layer of ["domain", "config", "contracts", "operations", "provider", "components"]) {
            assert.ok(files.filter((f) => layerOf(f) === layer).length >= 3, `fewer than 3 files in ${layer}/`);
        }
        assert.ok([...graph.values()].flat().length > 200, "fewer than 200 imports between the project's files");
    });

    it("imports only from the layers below, and only the packages each layer may use", () => {
        const problems: string[] = [];
        for (const file of files) {
            const layer = layerOf(file)!;
            const rules = ALLOWED[layer];
            for (const spec of importsOf(fs.readFileSync(file, "utf8"))) {
                const where = path.relative(ROOT, file);
                if (spec.startsWith(".")) {
                    const target = layerOf(resolveRelative(file, spec));
                    if (!target || !rules.layers.includes(target)) {
                        problems.push(`${where} (${layer}) imports ${spec} (${target ?? "outside the layers"})`);
                    }
                } else if (!rules.packages(spec)) {
                    problems.push(`${where} (${layer}) imports the package ${spec}`);
                }
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("has no import cycle", () => {
        const cycles: string[] = [];
        const state = new Map<string, "open" | "done">();
        const stack: string[] = [];
        const visit = (file: string) => {
            state.set(file, "open");
            stack.push(file);
            for (const next of graph.get(file) ?? []) {
                if (state.get(next) === "open") {
                    const loop = stack.slice(stack.indexOf(next)).concat(next);
                    cycles.push(loop.map((f) => path.relative(ROOT, f)).join(" → "));
                } else if (!state.has(next)) {
                    visit(next);
                }
            }
            stack.pop();
            state.set(file, "done");
        };
        for (const file of files) {
            if (!state.has(file)) {
                visit(file);
            }
        }
        assert.deepStrictEqual(cycles, []);
    });

    it("reads the import forms the code uses", () => {
        const text = [
            'import * as fs from "fs";',
            'import type { A } from "../domain/a";',
            'import {\n    B,\n    C,\n} from "./b";',
            'export { D } from "./d";',
            'const e = require("./e") as typeof E;',
        ].join("\n");
        assert.deepStrictEqual(importsOf(text), ["fs", "../domain/a", "./b", "./d", "./e"]);
    });
});
