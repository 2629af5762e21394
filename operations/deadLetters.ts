/**
 * Dead-letter queues exported as files. Nobody consumes `%DLQ%<group>` by
 * default, so a retired or restored broker would take its dead letters with
 * it; every backup carries them, and a retirement that dead letters do not
 * hold back exports them first. One JSON line per message, body in base64 so
 * the bytes survive whatever their encoding.
 */
import * as fs from "fs";
import * as path from "path";
import type { AdminApi } from "../domain/rocketmqAdmin";
import { DLQ_PREFIX } from "../domain/heldMessages";

export type DeadLetterAdmin = Pick<AdminApi, "topics" | "topicStats" | "pullFromQueue">;

/** A master whose dead letters are exported. */
export interface DeadLetterSource {
    brokerName: string;
    address: string;
}

/** Messages exported per queue at most; beyond it the export says it is partial and how much it left. */
export const MAX_EXPORTED_PER_QUEUE = 10_000;

export interface DeadLetterExport {
    /** Path inside the export (dead-letters/<topic>/<brokerName>-<queueId>.jsonl) → its lines. */
    files: Record<string, string>;
    messages: number;
    /** Queues not exported whole: "topic on brokerName queue N: M of K". */
    partial: string[];
}

export const DEAD_LETTER_DIR = "dead-letters";

/** Reads every dead-letter queue the masters hold into files, without consuming anything. */
export async function exportDeadLetters(
    admin: DeadLetterAdmin,
    masters: readonly DeadLetterSource[],
    maxPerQueue = MAX_EXPORTED_PER_QUEUE,
): Promise<DeadLetterExport> {
    const result: DeadLetterExport = { files: {}, messages: 0, partial: [] };
    for (const m of masters) {
        const dlqs = (await admin.topics(m.address)).filter((t) => t.topicName.startsWith(DLQ_PREFIX));
        for (const t of dlqs.sort((a, b) => a.topicName.localeCompare(b.topicName))) {
            const queues = (await admin.topicStats(t.topicName)).filter(
                (q) => q.brokerName === m.brokerName && q.maxOffset > q.minOffset,
            );
            for (const q of queues) {
                const lines: string[] = [];
                let offset = q.minOffset;
                while (offset < q.maxOffset && lines.length < maxPerQueue) {
                    const page = await admin.pullFromQueue(
                        { topic: t.topicName, brokerName: m.brokerName, queueId: q.queueId },
                        offset,
                        Math.min(32, maxPerQueue - lines.length),
                        false,
                        true,
                    );
                    if (page.length === 0) {
                        break;
                    }
                    for (const msg of page) {
                        lines.push(
                            JSON.stringify({
                                queueOffset: msg.queueOffset,
                                storeTimestamp: msg.storeTimestamp,
                                properties: msg.properties,
                                bodyBase64: msg.bodyBase64 ?? "",
                            }),
                        );
                    }
                    offset = page[page.length - 1].queueOffset + 1;
                }
                const held = q.maxOffset - q.minOffset;
                if (lines.length < held) {
                    result.partial.push(
                        `${t.topicName} on ${m.brokerName} queue ${q.queueId}: ${lines.length} of ${held}`,
                    );
                }
                if (lines.length > 0) {
                    const file = path.join(DEAD_LETTER_DIR, t.topicName, `${m.brokerName}-${q.queueId}.jsonl`);
                    result.files[file] = lines.join("\n") + "\n";
                    result.messages += lines.length;
                }
            }
        }
    }
    return result;
}

/** Writes an export under `dir`; returns the files written. */
export function writeDeadLetters(dir: string, exported: DeadLetterExport): string[] {
    return Object.entries(exported.files).map(([file, text]) => {
        const target = path.join(dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
        return target;
    });
}
