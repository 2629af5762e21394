/** Entry point of the `pulumi-resource-rocketmq` plugin (see bin/). */
import * as provider from "@pulumi/pulumi/provider";
import { RocketMQProvider } from "./rocketmqProvider";

provider.main(new RocketMQProvider(), process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
