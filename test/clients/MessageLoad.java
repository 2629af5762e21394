import java.io.FileWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A real RocketMQ remoting client for tests that count messages.
 *
 * <pre>
 * produce NAMESRV TOPIC RUN_ID COUNT [RATE_PER_SEC] [DELIVER_AFTER_MS] [DELAY_LEVEL]
 *   sends COUNT messages keyed RUN_ID-0 .. RUN_ID-(COUNT-1), synchronously, with the
 *   client's own retries; prints one JSON line: {"sent":N,"ok":N,"notOk":N,"failed":N,...}.
 *   "ok" is SEND_OK; "notOk" is stored but not fully replicated/flushed (e.g. SLAVE_NOT_AVAILABLE);
 *   "failed" threw after the client's retries. Keys of accepted messages go to RUN_ID.sent, and
 *   "epochMillis,key" of each to RUN_ID.sent-at (when its send returned).
 *   DELIVER_AFTER_MS > 0 makes them 5.x timer messages, delivered that long after the send.
 *   DELAY_LEVEL > 0 makes them scheduled messages at that delay level (any release).
 * consume NAMESRV TOPIC GROUP RUN_ID EXPECTED TIMEOUT_SEC
 *   reads from the first offset until EXPECTED distinct keys of RUN_ID arrived or the timeout;
 *   prints {"consumed":N,"duplicates":N,...}. Keys go to RUN_ID.GROUP.consumed.
 * </pre>
 * -DrouteRefreshMs=N sets the clients' pollNameServerInterval (the client's own default is 30 s).
 */
public final class MessageLoad {
    private static final int ROUTE_REFRESH_MS = Integer.getInteger("routeRefreshMs", 30_000);

    private MessageLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        switch (args[0]) {
            case "produce":
                produce(args);
                break;
            case "consume":
                consume(args);
                break;
            default:
                usage();
        }
        // Nothing is in flight once the client is shut down: sends are synchronous, and a consumer's one-way offset
        // commits go out on each broker's channel ahead of the synchronous unregister that ends its shutdown. So the
        // JVM need not wait out the netty event loops' quiet period (about 3 s per run).
        System.out.flush();
        System.exit(0);
    }

    private static void usage() {
        System.err.println("usage: produce NAMESRV TOPIC RUN_ID COUNT [RATE_PER_SEC] [DELIVER_AFTER_MS] [DELAY_LEVEL] | consume NAMESRV TOPIC GROUP RUN_ID EXPECTED TIMEOUT_SEC");
        System.exit(2);
    }

    private static void produce(String[] args) throws Exception {
        if (args.length < 5) {
            usage();
        }
        String namesrv = args[1];
        String topic = args[2];
        String runId = args[3];
        long count = Long.parseLong(args[4]);
        double rate = args.length > 5 ? Double.parseDouble(args[5]) : 0;
        long deliverAfterMs = args.length > 6 ? Long.parseLong(args[6]) : 0;
        int delayLevel = args.length > 7 ? Integer.parseInt(args[7]) : 0;

        DefaultMQProducer producer = new DefaultMQProducer("load-producer-" + runId);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("load-producer-" + runId + "-" + ProcessHandle.current().pid());
        producer.setPollNameServerInterval(ROUTE_REFRESH_MS);
        producer.setSendMsgTimeout(5000);
        producer.setRetryTimesWhenSendFailed(2);
        producer.start();

        long ok = 0;
        long notOk = 0;
        long failed = 0;
        StringBuilder firstFailures = new StringBuilder();
        long began = System.nanoTime();
        try (FileWriter sentKeys = new FileWriter(runId + ".sent", StandardCharsets.UTF_8);
             FileWriter sentAt = new FileWriter(runId + ".sent-at", StandardCharsets.UTF_8)) {
            for (long i = 0; i < count; i++) {
                if (rate > 0) {
                    long due = began + (long) (i * 1_000_000_000L / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                }
                String key = runId + "-" + i;
                Message msg = new Message(topic, "load", key, ("payload " + key).getBytes(StandardCharsets.UTF_8));
                if (delayLevel > 0) {
                    msg.setDelayTimeLevel(delayLevel);
                }
                if (deliverAfterMs > 0) {
                    // The 5.x timer property, set the way the 5.x client's setDeliverTimeMs does; this source also builds against 4.9.
                    MessageAccessor.putProperty(msg, "TIMER_DELIVER_MS", String.valueOf(System.currentTimeMillis() + deliverAfterMs));
                }
                try {
                    SendResult result = producer.send(msg);
                    if (result.getSendStatus() == SendStatus.SEND_OK) {
                        ok++;
                    } else {
                        notOk++;
                    }
                    sentKeys.write(key + "\n");
                    sentAt.write(System.currentTimeMillis() + "," + key + "\n");
                } catch (Exception e) {
                    failed++;
                    if (failed <= 5) {
                        firstFailures.append(firstFailures.length() > 0 ? "; " : "").append(e.getClass().getSimpleName()).append(": ").append(String.valueOf(e.getMessage()).replace('"', '\'').replace('\n', ' '));
                    }
                }
            }
        } finally {
            producer.shutdown();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("{\"sent\":%d,\"ok\":%d,\"notOk\":%d,\"failed\":%d,\"seconds\":%.2f,\"firstFailures\":\"%s\"}%n",
            ok + notOk, ok, notOk, failed, seconds, firstFailures);
    }

    private static void consume(String[] args) throws Exception {
        if (args.length < 7) {
            usage();
        }
        String namesrv = args[1];
        String topic = args[2];
        String group = args[3];
        String runId = args[4];
        long expected = Long.parseLong(args[5]);
        long timeoutMs = Long.parseLong(args[6]) * 1000L;

        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        AtomicLong duplicates = new AtomicLong();
        String prefix = runId + "-";

        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(group + "-" + ProcessHandle.current().pid());
        consumer.setPollNameServerInterval(ROUTE_REFRESH_MS);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((java.util.List<MessageExt> msgs, org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext ctx) -> {
            for (MessageExt m : msgs) {
                String key = m.getKeys();
                if (key != null && key.startsWith(prefix) && seen.put(key, Boolean.TRUE) != null) {
                    duplicates.incrementAndGet();
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        long began = System.currentTimeMillis();
        while (seen.size() < expected && System.currentTimeMillis() - began < timeoutMs) {
            Thread.sleep(200);
        }
        consumer.shutdown();
        try (FileWriter out = new FileWriter(runId + "." + group + ".consumed", StandardCharsets.UTF_8)) {
            for (String k : seen.keySet()) {
                out.write(k + "\n");
            }
        } catch (IOException e) {
            System.err.println("could not write consumed keys: " + e);
        }
        System.out.printf("{\"consumed\":%d,\"duplicates\":%d,\"seconds\":%.2f}%n",
            seen.size(), duplicates.get(), (System.currentTimeMillis() - began) / 1000.0);
    }
}
