/** The AWS pieces, loaded by index.ts only for stacks with an `aws` block. */
import * as aws from "@pulumi/aws";
export { BackupBucket } from "./backupBucket";
export { WeightedProxyDns } from "./weightedDns";

/** The provider every AWS piece of the stack is created with. */
export function awsProvider(region: string): aws.Provider {
    return new aws.Provider("aws", { region });
}
