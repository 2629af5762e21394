/** How the benchmarks report what they saw: a median, then every observation, since the machine is noisy. */

export function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "1.23 s (1.20, 1.23, 1.31)": the median, then each observation in order, with `digits` decimals. */
export function observations(xs: readonly number[], digits = 2, unit = ""): string {
    const shown = (x: number) => x.toFixed(digits);
    return `${shown(median(xs))}${unit} (${xs.map(shown).join(", ")})`;
}

/** Milliseconds `work` took, and what it returned. */
export async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
    const began = process.hrtime.bigint();
    const result = await work();
    return [Number(process.hrtime.bigint() - began) / 1e6, result];
}
