import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;

/**
 * The client pattern of isolated routing (README.md, "Blue-green rollout
 * (isolated routing)"):
 *
 * - the producer is given no name servers: it asks the address server
 *   (rocketmq.namesrv.domain) at start and every 2 minutes, and writes to
 *   whichever cluster it is answered;
 * - the consumer group runs one consumer per cluster, on each cluster's own
 *   name servers, until blue is drained and retired.
 *
 * Run against the local stack (see README.md for the full command):
 *   java -cp "$HOME/.cache/rocketmq-upgrade/rocketmq/4.9.7/lib/*" examples/IsolatedRoutingClient.java \
 *     ADDRESS_SERVER_DOMAIN BLUE_NAMESRVS GREEN_NAMESRVS TOPIC GROUP [COUNT=100] [CLIENT_NAME=example]
 * Sends COUNT messages, waits until the group has read all of them from
 * either cluster, prints what went where and exits 0 (1 if any is missing
 * after 60 s).
 */
public final class IsolatedRoutingClient {
    private IsolatedRoutingClient() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: ADDRESS_SERVER_DOMAIN BLUE_NAMESRVS GREEN_NAMESRVS TOPIC GROUP [COUNT] [CLIENT_NAME]");
            System.exit(2);
        }
        String topic = args[3];
        String group = args[4];
        int count = args.length > 5 ? Integer.parseInt(args[5]) : 100;
        String clientName = args.length > 6 ? args[6] : "example";
        String run = Long.toString(System.currentTimeMillis(), 36);

        Map<String, String> readFrom = new ConcurrentHashMap<>();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        String[][] clusters = {{"blue", args[1]}, {"green", args[2]}};
        for (String[] cluster : clusters) {
            DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
            consumer.setNamesrvAddr(cluster[1]);
            // One client instance per cluster: instances are keyed by name, and each must see only its own cluster.
            consumer.setInstanceName(group + "-" + cluster[0] + "-" + run);
            // A group new to a cluster starts at the first message: nothing written before it joined is skipped.
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((List<org.apache.rocketmq.common.message.MessageExt> msgs,
                                              org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext ctx) -> {
                for (org.apache.rocketmq.common.message.MessageExt m : msgs) {
                    if (m.getKeys() != null && m.getKeys().startsWith(run + "-")) {
                        readFrom.put(m.getKeys(), cluster[0]);
                    }
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            consumer.start();
            consumers.add(consumer);
        }

        // No namesrvAddr: the client asks http://<domain>/rocketmq/nsaddr-<unitName>.
        System.setProperty("rocketmq.namesrv.domain", args[0]);
        DefaultMQProducer producer = new DefaultMQProducer(group + "-producer");
        producer.setUnitName(clientName);
        producer.start();
        Map<String, Integer> sentTo = new ConcurrentHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = run + "-" + i;
            SendResult r = producer.send(new Message(topic, "example", key, key.getBytes(StandardCharsets.UTF_8)));
            sentTo.merge(r.getMessageQueue().getBrokerName(), 1, Integer::sum);
        }
        producer.shutdown();

        long deadline = System.currentTimeMillis() + 60_000;
        while (readFrom.size() < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        for (DefaultMQPushConsumer c : consumers) {
            c.shutdown();
        }
        long fromBlue = readFrom.values().stream().filter("blue"::equals).count();
        System.out.printf("client %s sent %d (by broker: %s); read %d from blue and %d from green%n",
            clientName, count, sentTo, fromBlue, readFrom.size() - fromBlue);
        System.exit(readFrom.size() == count ? 0 : 1);
    }
}
