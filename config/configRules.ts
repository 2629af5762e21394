/** Schema pieces shared by every block of the stack config. */
import { z } from "zod";

/** An integer range whose every failure says the whole allowed range. */
export function intRange(min: number, max: number) {
    const error = `must be an integer from ${min} to ${max}`;
    return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}
