/**
 * A minimal client of RocketMQ 5's gRPC API (apache.rocketmq.v2.MessagingService,
 * as a 5.x proxy serves it): one unary QueryRoute call with its protobuf messages
 * encoded and decoded by hand, so the test needs no generated code and no 5.x SDK.
 * Field numbers follow apache/rocketmq/v2/{service,definition}.proto as compiled
 * into the rocketmq-proto jar a 5.5.0 runtime ships.
 */
import * as grpc from "@grpc/grpc-js";
import { randomUUID } from "crypto";

/** apache.rocketmq.v2.Code values the tests name. */
export const CODE = { OK: 20000, TOPIC_NOT_FOUND: 40402 } as const;

/** apache.rocketmq.v2.Permission. */
export const PERMISSION = ["PERMISSION_UNSPECIFIED", "NONE", "READ", "WRITE", "READ_WRITE"] as const;

const ADDRESS_SCHEME_IPV4 = 1;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

function varint(value: number): Buffer {
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
        bytes.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    return Buffer.from(bytes);
}

function key(field: number, wireType: number): Buffer {
    return varint(field * 8 + wireType);
}

function bytesField(field: number, payload: Buffer): Buffer {
    return Buffer.concat([key(field, WIRE_LENGTH_DELIMITED), varint(payload.length), payload]);
}

function stringField(field: number, text: string): Buffer {
    return bytesField(field, Buffer.from(text, "utf8"));
}

function uintField(field: number, value: number): Buffer {
    return Buffer.concat([key(field, WIRE_VARINT), varint(value)]);
}

/** A message's fields as (number, value) in wire order: varints as numbers, length-delimited as bytes. */
function decodeFields(buf: Buffer): Array<[number, number | Buffer]> {
    const out: Array<[number, number | Buffer]> = [];
    let pos = 0;
    const readVarint = (): number => {
        let result = 0;
        let scale = 1;
        for (;;) {
            if (pos >= buf.length) {
                throw new Error("protobuf: varint runs past the end of the message");
            }
            const b = buf[pos++];
            result += (b & 0x7f) * scale;
            if (b < 0x80) {
                return result;
            }
            scale *= 0x80;
        }
    };
    while (pos < buf.length) {
        const k = readVarint();
        const field = Math.floor(k / 8);
        switch (k % 8) {
            case WIRE_VARINT:
                out.push([field, readVarint()]);
                break;
            case WIRE_LENGTH_DELIMITED: {
                const len = readVarint();
                if (pos + len > buf.length) {
                    throw new Error(`protobuf: field ${field} runs past the end of the message`);
                }
                out.push([field, buf.subarray(pos, pos + len)]);
                pos += len;
                break;
            }
            case WIRE_FIXED64:
                pos += 8;
                break;
            case WIRE_FIXED32:
                pos += 4;
                break;
            default:
                throw new Error(`protobuf: unsupported wire type ${k % 8} for field ${field}`);
        }
    }
    return out;
}

/** Proto3 leaves defaults off the wire: an absent scalar is 0 or "", an absent message is empty. */
function scalar(fields: Array<[number, number | Buffer]>, field: number): number {
    const found = fields.filter(([f, v]) => f === field && typeof v === "number");
    return found.length > 0 ? (found[found.length - 1][1] as number) : 0;
}

function messages(fields: Array<[number, number | Buffer]>, field: number): Buffer[] {
    return fields.filter(([f, v]) => f === field && Buffer.isBuffer(v)).map(([, v]) => v as Buffer);
}

function text(fields: Array<[number, number | Buffer]>, field: number): string {
    const found = messages(fields, field);
    return found.length > 0 ? found[found.length - 1].toString("utf8") : "";
}

function message(fields: Array<[number, number | Buffer]>, field: number): Array<[number, number | Buffer]> {
    return decodeFields(Buffer.concat(messages(fields, field)));
}

export interface RouteQueue {
    topic: string;
    id: number;
    permission: (typeof PERMISSION)[number] | `unknown(${number})`;
    brokerName: string;
    brokerId: number;
    /** The broker's endpoints as host:port: what a client would dial for this queue. */
    brokerEndpoints: string[];
}

export interface QueryRouteAnswer {
    /** apache.rocketmq.v2.Status of the response body (the API reports its errors there, under gRPC OK). */
    code: number;
    message: string;
    queues: RouteQueue[];
}

function encodeQueryRouteRequest(topic: string, endpoint: { host: string; port: number }): Buffer {
    const resource = stringField(2, topic);
    const address = Buffer.concat([stringField(1, endpoint.host), uintField(2, endpoint.port)]);
    const endpoints = Buffer.concat([uintField(1, ADDRESS_SCHEME_IPV4), bytesField(2, address)]);
    return Buffer.concat([bytesField(1, resource), bytesField(2, endpoints)]);
}

function decodeQueryRouteResponse(buf: Buffer): QueryRouteAnswer {
    const top = decodeFields(buf);
    const status = message(top, 1);
    const queues = messages(top, 2).map((raw): RouteQueue => {
        const q = decodeFields(raw);
        const broker = message(q, 4);
        const endpoints = messages(message(broker, 3), 2).map((a) => {
            const addr = decodeFields(a);
            return `${text(addr, 1)}:${scalar(addr, 2)}`;
        });
        const perm = scalar(q, 3);
        return {
            topic: text(message(q, 1), 2),
            id: scalar(q, 2),
            permission: PERMISSION[perm] ?? `unknown(${perm})`,
            brokerName: text(broker, 1),
            brokerId: scalar(broker, 2),
            brokerEndpoints: endpoints,
        };
    });
    return { code: scalar(status, 1), message: text(status, 2), queues };
}

/**
 * MessagingService/QueryRoute against the gRPC endpoint at 127.0.0.1:`port`,
 * naming that same endpoint as the access point (as a client configured with
 * it would). Rejects when the call fails at the gRPC level; a refusal by the
 * API itself comes back as the answer's code.
 */
export function queryRoute(port: number, topic: string, timeoutMs = 10_000): Promise<QueryRouteAnswer> {
    const host = "127.0.0.1";
    const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    // The proxy answers CLIENT_ID_REQUIRED to any call without a client id; the rest is what 5.x SDKs send too.
    metadata.set("x-mq-client-id", `rocketmq-upgrade-test-${process.pid}`);
    metadata.set("x-mq-language", "NODE_JS");
    metadata.set("x-mq-protocol", "v2");
    metadata.set("x-mq-request-id", randomUUID());
    return new Promise<QueryRouteAnswer>((resolve, reject) => {
        client.makeUnaryRequest<Buffer, QueryRouteAnswer>(
            "/apache.rocketmq.v2.MessagingService/QueryRoute",
            (req) => req,
            decodeQueryRouteResponse,
            encodeQueryRouteRequest(topic, { host, port }),
            metadata,
            { deadline: Date.now() + timeoutMs },
            (err, answer) => {
                client.close();
                if (err) {
                    reject(
                        new Error(
                            `QueryRoute ${topic} on ${host}:${port}: gRPC ${grpc.status[err.code]}: ${err.details}`,
                        ),
                    );
                } else {
                    resolve(answer!);
                }
            },
        );
    });
}
