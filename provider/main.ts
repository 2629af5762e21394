/** Entry point of the `pulumi-resource-rocketmq` plugin (see bin/). */
import * as provider from "@pulumi/pulumi/provider";
import { connectEngineLog } from "./engineLog";
import { RocketMQProvider } from "./rocketmqProvider";

// The engine starts plugins with its own gRPC address as the first argument.
connectEngineLog(process.argv.slice(2).find((a) => !a.startsWith("-")));
provider.main(new RocketMQProvider(), process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
