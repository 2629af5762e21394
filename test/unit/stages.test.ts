import * as assert from "assert";
import { nextStage, soakRemaining, weightChangeProblem } from "../../domain/canaryStages";

const STAGES = [10, 30, 50, 100];

describe("canary stages", () => {
    it("walks 0 → 10 → 30 → 50 → 100 and stops there", () => {
        const walked: number[] = [];
        for (let w: number | undefined = 0; w !== undefined; w = nextStage(w, STAGES)) {
            walked.push(w);
        }
        assert.deepStrictEqual(walked, [0, 10, 30, 50, 100]);
    });

    it("allows the next stage, staying put, a rollback to 0 and the first apply", () => {
        assert.strictEqual(weightChangeProblem(10, 30, STAGES, false), undefined);
        assert.strictEqual(weightChangeProblem(30, 30, STAGES, false), undefined);
        assert.strictEqual(weightChangeProblem(50, 0, STAGES, false), undefined);
        assert.strictEqual(weightChangeProblem(undefined, 50, STAGES, false), undefined);
    });

    it("refuses 30 → 10 without the rollback command, naming the key and the way out", () => {
        const problem = weightChangeProblem(30, 10, STAGES, false)!;
        assert.match(problem, /^trafficWeight = 10: lower than the current 30; .*npm run rollback/);
        assert.strictEqual(weightChangeProblem(30, 10, STAGES, true), undefined);
    });

    it("refuses skipping a stage unless forced", () => {
        assert.match(
            weightChangeProblem(10, 50, STAGES, false)!,
            /^trafficWeight = 50: skips stages; the next stage after 10 is 30 of canaryStages \[10, 30, 50, 100\]/,
        );
        assert.match(weightChangeProblem(0, 30, STAGES, false)!, /the next stage after 0 is 10/);
        assert.strictEqual(weightChangeProblem(10, 50, STAGES, true), undefined);
    });

    it("counts the soak time left", () => {
        const applied = new Date("2026-11-25T10:00:00Z");
        assert.strictEqual(soakRemaining(applied, 300, new Date("2026-11-25T10:01:00Z")), 240);
        assert.strictEqual(soakRemaining(applied, 300, new Date("2026-11-25T10:06:00Z")), 0);
    });
});
