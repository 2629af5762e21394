/**
 * Isolated routing for 5.x gRPC clients that dial a proxy by name: the
 * traffic weight as Route53 weighted records of one name, one per colour's
 * proxy endpoint. Pure, so every weight's record set is unit-tested.
 *
 * Route53 answers a record of weight 0 only when every record of the name
 * has weight 0; so a colour taking no traffic has no record at all, and
 * weight 0 and 100 are exact: one record, nothing left behind to draw a share.
 */

export type Colour = "blue" | "green";

export interface WeightedRecord {
    colour: Colour;
    /** Route53's set identifier: one per colour, stable across weights so a change is an update. */
    setIdentifier: string;
    /** Route53's relative weight (0-255); here the colour's percentage. */
    weight: number;
    /** The colour's proxy endpoint: a host name (CNAME) or an IPv4 address (A). */
    target: string;
    type: "A" | "CNAME";
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** A record points at an address with A, at a name with CNAME. */
export function recordType(target: string): "A" | "CNAME" {
    return IPV4.test(target) ? "A" : "CNAME";
}

/**
 * The records of one name for `weight` percent of clients on green. Throws
 * when a colour that must take traffic has no endpoint (config validation
 * refuses that first, naming the key).
 */
export function weightedRecords(weight: number, endpoints: Partial<Record<Colour, string>>): WeightedRecord[] {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new RangeError(`weight ${weight} must be an integer from 0 to 100`);
    }
    const shares: [Colour, number][] = [
        ["blue", 100 - weight],
        ["green", weight],
    ];
    return shares
        .filter(([, share]) => share > 0)
        .map(([colour, share]) => {
            const target = endpoints[colour];
            if (!target) {
                throw new Error(`weight ${weight} sends ${share}% to ${colour}, which has no proxy endpoint`);
            }
            return { colour, setIdentifier: colour, weight: share, target, type: recordType(target) };
        });
}
