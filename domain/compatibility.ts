/**
 * The seed's §1.2 pre-upgrade checklist as data: which version jumps this
 * tool performs, and where each entry's claim comes from. A jump that is not
 * in the table is refused at preview.
 */
import { compareVersions, mustParseVersion, RocketMQVersion } from "./versions";

export interface SupportedUpgrade {
    /** Inclusive lower and upper bounds of the running (blue) version. */
    from: [string, string];
    /** Inclusive bounds of the target (green) version. */
    to: [string, string];
    /** What the sources say about this jump, in one line. */
    claim: string;
    /** Where the claim comes from. */
    sources: string[];
}

export const SUPPORTED_UPGRADES: SupportedUpgrade[] = [
    {
        from: ["4.9.0", "4.9.99"],
        to: ["5.0.0", "5.99.99"],
        claim: "5.x brokers keep the 4.x remoting protocol and store format, so 4.x clients keep working and a 4.9 store opens on 5.x; POP consumption, timer messages and the gRPC proxy are 5.x-only",
        sources: [
            "Apache RocketMQ 5.0 documentation, 'Upgrade from 4.x' and 'What's New in 5.0' (RocketMQ 5.0 server is backward compatible with 4.x)",
            "The upgrade runbook this project automates (shared/seed), §1.2 compatibility checklist and §5.1 client table",
            "Apache RocketMQ release notes for 5.1.0 (Proxy and gRPC protocol)",
        ],
    },
    {
        from: ["5.0.0", "5.99.99"],
        to: ["5.0.0", "5.99.99"],
        claim: "minor and patch upgrades inside 5.x keep the remoting protocol, the store format and the config keys in use here",
        sources: ["Apache RocketMQ release notes, 5.1.0 through 5.5.0", "The upgrade runbook (shared/seed), §1.2"],
    },
    {
        from: ["4.9.0", "4.9.99"],
        to: ["4.9.0", "4.9.99"],
        claim: "patch upgrades inside 4.9.x are drop-in; 4.9.x keeps compatibility with older 4.x clients",
        sources: ["The upgrade runbook (shared/seed), §1.2 version notes"],
    },
];

function within(v: RocketMQVersion, [lo, hi]: [string, string]): boolean {
    return compareVersions(v, mustParseVersion(lo)) >= 0 && compareVersions(v, mustParseVersion(hi)) <= 0;
}

/** The table entry covering blue → green, if any. Pure. */
export function supportedUpgrade(blue: RocketMQVersion, green: RocketMQVersion): SupportedUpgrade | undefined {
    if (compareVersions(green, blue) < 0) {
        return undefined;
    }
    return SUPPORTED_UPGRADES.find((u) => within(blue, u.from) && within(green, u.to));
}

/**
 * The seed's pre-flight rule: 5.x brokers register data a name server below this release does not take, so name
 * servers run it or newer before any 5.x broker registers with them, and never drop below it while one does.
 */
export const FIVE_X_NAME_SERVER_FLOOR = "5.1.0";

/** Whether a name server of `nameServer`'s release takes registrations from brokers of `broker`'s release. */
export function nameServerTakesBroker(nameServer: RocketMQVersion, broker: RocketMQVersion): boolean {
    return broker.major < 5 || compareVersions(nameServer, mustParseVersion(FIVE_X_NAME_SERVER_FLOOR)) >= 0;
}
