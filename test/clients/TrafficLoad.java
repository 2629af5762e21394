import java.io.BufferedWriter;
import java.io.File;
import java.io.FileWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.hook.SendMessageContext;
import org.apache.rocketmq.client.hook.SendMessageHook;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Long-running real RocketMQ clients for traffic tests: they only know the
 * name servers, exactly like an application during a blue-green rollout.
 *
 * <pre>
 * load NAMESRV TOPIC GROUP PRODUCERS CONSUMERS RATE_PER_PRODUCER DIR [IDENTITIES CONSUMER_NAMESRVS]
 *   PRODUCERS producer instances (own client instance each) send keyed messages at
 *   RATE_PER_PRODUCER/s until DIR/stop-producers exists; every accepted send is appended
 *   to DIR/sends.csv as "epochMillis,key,brokerName,queueId,latencyMillis,sendStatus"
 *   (flushed every second; a status other than SEND_OK is stored but not replicated yet), every
 *   failed one to DIR/failures.txt as "epochMillis,key,elapsedMillis,lastBrokerTried,message". A pause of
 *   the client JVM itself over a second (a watchdog thread that slept 100 ms woke late) goes to
 *   DIR/pauses.txt as "epochMillis,pausedMillis": a send that failed in one was the machine's, not a
 *   broker's. CONSUMERS push consumers of GROUP read TOPIC until
 *   DIR/stop-consumers exists, then DIR/consumed-GROUP.txt gets the distinct keys. Once the
 *   producers stopped, DIR/producers-stopped appears and DIR/progress-GROUP holds the count
 *   of distinct keys consumed so far, rewritten every second.
 *   With NAMESRV = http://HOST:PORT (isolated routing) the producers know no name servers: they
 *   ask the address server at HOST:PORT (rocketmq.namesrv.domain), each naming itself with its
 *   unitName taken from the comma-separated IDENTITIES; CONSUMERS consumers then run on each of the
 *   '|'-separated name-server lists of CONSUMER_NAMESRVS (one group reading every cluster).
 * consume NAMESRV TOPIC GROUP FROM DIR
 *   one push consumer of GROUP (FROM = first|last offset for a group without offsets)
 *   until DIR/stop-GROUP exists (DIR/progress-GROUP as above, and the keys so far in
 *   DIR/consumed-GROUP.live); distinct keys to DIR/consumed-GROUP.txt.
 * pending NAMESRV TOPIC GROUP DIR DELAYED DELAY_LEVEL TRANSACTIONS RETRIED RETRY_LEVEL
 *   messages a broker keeps out of every group's lag until they are due or settled. Sends DELAYED
 *   messages at DELAY_LEVEL, TRANSACTIONS transactional messages whose local transaction stays
 *   unknown (the broker's check-back answers unknown until DIR/commit exists, then commit), and
 *   RETRIED plain messages that one push consumer of GROUP fails (back-off DELAY_LEVEL RETRY_LEVEL)
 *   until DIR/release exists. Every accepted send is appended to DIR/sends.csv as
 *   "epochMillis,key,brokerName,queueId,0,sendStatus" (keys delayed-N, tx-N, retry-N), failures to
 *   DIR/failures.txt; DIR/sent appears once all are sent. The consumer and the transactional producer
 *   run until DIR/stop-GROUP exists; progress and keys as for consume, and DIR/retried-GROUP.txt
 *   lists each key the consumer failed at least once.
 * </pre>
 * Prints one JSON line at the end.
 *
 * <p>-DrouteRefreshMs=N sets every client's pollNameServerInterval (the client's own default is 30 s): how long a
 * producer may keep writing on a route the name servers no longer give.
 */
public final class TrafficLoad {
    private static final int ROUTE_REFRESH_MS = Integer.getInteger("routeRefreshMs", 30_000);

    private TrafficLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 8 && args[0].equals("load")) {
            String[] identities = args.length >= 10 ? args[8].split(",") : null;
            String[] consumerNamesrvs = args.length >= 10 ? args[9].split("\\|") : new String[] {args[1]};
            load(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]), Double.parseDouble(args[6]), new File(args[7]),
                identities, consumerNamesrvs);
        } else if (args.length >= 6 && args[0].equals("consume")) {
            File dir = new File(args[5]);
            Map<String, Boolean> seen = new ConcurrentHashMap<>();
            AtomicLong received = new AtomicLong();
            DefaultMQPushConsumer c = consumer(args[1], args[2], args[3], 0, args[4].equals("first"), seen, received);
            waitFor(new File(dir, "stop-" + args[3]), new File(dir, "progress-" + args[3]), seen);
            c.shutdown();
            writeKeys(new File(dir, "consumed-" + args[3] + ".txt"), seen);
            System.out.printf("{\"consumed\":%d,\"received\":%d}%n", seen.size(), received.get());
        } else if (args.length >= 10 && args[0].equals("pending")) {
            pending(args[1], args[2], args[3], new File(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                Integer.parseInt(args[7]), Integer.parseInt(args[8]), Integer.parseInt(args[9]));
        } else {
            System.err.println("usage: load NAMESRV TOPIC GROUP PRODUCERS CONSUMERS RATE DIR | consume NAMESRV TOPIC GROUP first|last DIR"
                + " | pending NAMESRV TOPIC GROUP DIR DELAYED DELAY_LEVEL TRANSACTIONS RETRIED RETRY_LEVEL");
            System.exit(2);
        }
    }

    private static DefaultMQPushConsumer consumer(String namesrv, String topic, String group, int index, boolean fromFirst,
                                                  Map<String, Boolean> seen, AtomicLong received) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(namesrv);
        c.setInstanceName(group + "-" + ProcessHandle.current().pid() + "-" + index);
        c.setPollNameServerInterval(ROUTE_REFRESH_MS);
        c.setConsumeFromWhere(fromFirst ? ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET : ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        c.subscribe(topic, "*");
        c.registerMessageListener((List<MessageExt> msgs, org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext ctx) -> {
            for (MessageExt m : msgs) {
                received.incrementAndGet();
                if (m.getKeys() != null) {
                    seen.put(m.getKeys(), Boolean.TRUE);
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        return c;
    }

    private static void load(String namesrv, String topic, String group, int producers, int consumers, double rate, File dir,
                             String[] identities, String[] consumerNamesrvs) throws Exception {
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        AtomicLong received = new AtomicLong();
        List<DefaultMQPushConsumer> cs = new ArrayList<>();
        for (int c = 0; c < consumerNamesrvs.length; c++) {
            for (int i = 0; i < consumers; i++) {
                cs.add(consumer(consumerNamesrvs[c], topic, group, c * consumers + i, true, seen, received));
            }
        }
        boolean addressServer = namesrv.startsWith("http://");
        if (addressServer) {
            // Read once per client instance when it starts: every producer asks this server.
            System.setProperty("rocketmq.namesrv.domain", namesrv.substring("http://".length()));
        }
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        File stopProducers = new File(dir, "stop-producers");
        Thread watchdog = pauseWatchdog(new File(dir, "pauses.txt"));
        // The broker each producer thread asked last: a send that fails names where it was waiting.
        ThreadLocal<String> lastTried = ThreadLocal.withInitial(() -> "-");
        SendMessageHook tried = new SendMessageHook() {
            @Override
            public String hookName() {
                return "last-broker-tried";
            }

            @Override
            public void sendMessageBefore(SendMessageContext context) {
                lastTried.set(context.getMq().getBrokerName() + "@" + context.getBrokerAddr());
            }

            @Override
            public void sendMessageAfter(SendMessageContext context) {
                // only where a send went is needed
            }
        };
        try (BufferedWriter sends = new BufferedWriter(new FileWriter(new File(dir, "sends.csv"), StandardCharsets.UTF_8));
             BufferedWriter failures = new BufferedWriter(new FileWriter(new File(dir, "failures.txt"), StandardCharsets.UTF_8))) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                final int id = p;
                DefaultMQProducer producer = new DefaultMQProducer("traffic-producer");
                if (addressServer) {
                    producer.setUnitName(identities[id]);
                } else {
                    producer.setNamesrvAddr(namesrv);
                }
                producer.setInstanceName("traffic-producer-" + ProcessHandle.current().pid() + "-" + id);
                producer.setPollNameServerInterval(ROUTE_REFRESH_MS);
                // A send's whole budget, retries included. On two shared cores, with the other lane starting JVMs,
                // a broker can answer nothing for seconds: a 5 s budget ran out once, and a 10 s one once (a
                // stored message answered too late for the client). The tests claim no send fails, not a latency
                // on this machine, so the budget is generous; a broker that never answers still fails the test.
                producer.setSendMsgTimeout(30_000);
                producer.setRetryTimesWhenSendFailed(2);
                producer.getDefaultMQProducerImpl().registerSendMessageHook(tried);
                producer.start();
                Thread t = new Thread(() -> {
                    long began = System.nanoTime();
                    for (long i = 0; !stopProducers.exists(); i++) {
                        long wait = began + (long) (i * 1_000_000_000L / rate) - System.nanoTime();
                        if (wait > 0) {
                            try {
                                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        String key = "p" + id + "-" + i;
                        Message msg = new Message(topic, "traffic", key, ("payload " + key).getBytes(StandardCharsets.UTF_8));
                        long sendBegan = System.nanoTime();
                        try {
                            SendResult r = producer.send(msg);
                            sent.incrementAndGet();
                            long latencyMs = (System.nanoTime() - sendBegan) / 1_000_000L;
                            String line = System.currentTimeMillis() + "," + key + "," + r.getMessageQueue().getBrokerName() + ","
                                + r.getMessageQueue().getQueueId() + "," + latencyMs + "," + r.getSendStatus() + "\n";
                            synchronized (sends) {
                                sends.write(line);
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            synchronized (failures) {
                                try {
                                    long elapsedMs = (System.nanoTime() - sendBegan) / 1_000_000L;
                                    failures.write(System.currentTimeMillis() + "," + key + "," + elapsedMs + "," + lastTried.get() + ","
                                        + String.valueOf(e.getMessage()).replace('\n', ' ') + "\n");
                                } catch (IOException ignored) {
                                    // best effort: the count still reports it
                                }
                            }
                        }
                    }
                    producer.shutdown();
                });
                t.start();
                threads.add(t);
            }
            while (!stopProducers.exists()) {
                Thread.sleep(1000);
                synchronized (sends) {
                    sends.flush();
                }
                synchronized (failures) {
                    failures.flush();
                }
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        watchdog.interrupt();
        new File(dir, "producers-stopped").createNewFile();
        waitFor(new File(dir, "stop-consumers"), new File(dir, "progress-" + group), seen);
        for (DefaultMQPushConsumer c : cs) {
            c.shutdown();
        }
        writeKeys(new File(dir, "consumed-" + group + ".txt"), seen);
        System.out.printf("{\"sent\":%d,\"failed\":%d,\"consumed\":%d,\"received\":%d}%n", sent.get(), failed.get(), seen.size(), received.get());
    }

    /** Appends "epochMillis,pausedMillis" to FILE each time a 100 ms sleep took over a second. */
    private static Thread pauseWatchdog(File file) {
        Thread t = new Thread(() -> {
            long last = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long pausedMs = (now - last) / 1_000_000L - 100;
                last = now;
                if (pausedMs > 1000) {
                    try (FileWriter w = new FileWriter(file, StandardCharsets.UTF_8, true)) {
                        w.write(System.currentTimeMillis() + "," + pausedMs + "\n");
                    } catch (IOException ignored) {
                        // a diagnostic only: the sends and failures are what the tests assert
                    }
                }
            }
        }, "pause-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pending(String namesrv, String topic, String group, File dir, int delayed, int delayLevel,
                                int transactions, int retried, int retryLevel) throws Exception {
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
        AtomicLong received = new AtomicLong();
        File release = new File(dir, "release");
        File commit = new File(dir, "commit");
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(namesrv);
        c.setInstanceName(group + "-" + ProcessHandle.current().pid());
        c.setPollNameServerInterval(ROUTE_REFRESH_MS);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // Held retries must outlast a slow run before release: the default 16 attempts would send them to the
        // dead-letter queue after 16 retry delays.
        c.setMaxReconsumeTimes(64);
        c.subscribe(topic, "*");
        c.registerMessageListener((List<MessageExt> msgs, ConsumeConcurrentlyContext ctx) -> {
            for (MessageExt m : msgs) {
                received.incrementAndGet();
                String key = m.getKeys();
                if (key != null && key.startsWith("retry-") && !release.exists()) {
                    failedOnce.put(key, Boolean.TRUE);
                    // Back to the broker it came from, into its schedule queue at this level.
                    ctx.setDelayLevelWhenNextConsume(retryLevel);
                    return ConsumeConcurrentlyStatus.RECONSUME_LATER;
                }
            }
            for (MessageExt m : msgs) {
                if (m.getKeys() != null) {
                    seen.put(m.getKeys(), Boolean.TRUE);
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();

        TransactionMQProducer tx = new TransactionMQProducer("pending-tx-producer");
        tx.setNamesrvAddr(namesrv);
        tx.setInstanceName("pending-tx-" + ProcessHandle.current().pid());
        tx.setPollNameServerInterval(ROUTE_REFRESH_MS);
        tx.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.UNKNOW;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return commit.exists() ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.UNKNOW;
            }
        });
        tx.start();
        DefaultMQProducer producer = new DefaultMQProducer("pending-producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("pending-" + ProcessHandle.current().pid());
        producer.setPollNameServerInterval(ROUTE_REFRESH_MS);
        producer.start();

        long sent = 0;
        long failed = 0;
        try (BufferedWriter sends = new BufferedWriter(new FileWriter(new File(dir, "sends.csv"), StandardCharsets.UTF_8));
             BufferedWriter failures = new BufferedWriter(new FileWriter(new File(dir, "failures.txt"), StandardCharsets.UTF_8))) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < delayed; i++) {
                keys.add("delayed-" + i);
            }
            for (int i = 0; i < transactions; i++) {
                keys.add("tx-" + i);
            }
            for (int i = 0; i < retried; i++) {
                keys.add("retry-" + i);
            }
            for (String key : keys) {
                Message msg = new Message(topic, "pending", key, key.getBytes(StandardCharsets.UTF_8));
                try {
                    SendResult r;
                    if (key.startsWith("tx-")) {
                        r = tx.sendMessageInTransaction(msg, null);
                    } else {
                        if (key.startsWith("delayed-")) {
                            msg.setDelayTimeLevel(delayLevel);
                        }
                        r = producer.send(msg);
                    }
                    sent++;
                    sends.write(System.currentTimeMillis() + "," + key + "," + r.getMessageQueue().getBrokerName() + ","
                        + r.getMessageQueue().getQueueId() + ",0," + r.getSendStatus() + "\n");
                } catch (Exception e) {
                    failed++;
                    failures.write(System.currentTimeMillis() + "," + key + "," + String.valueOf(e.getMessage()).replace('\n', ' ') + "\n");
                }
            }
        }
        producer.shutdown();
        new File(dir, "sent").createNewFile();
        // The transactional producer stays: the broker's check-backs reach it until the test commits.
        waitFor(new File(dir, "stop-" + group), new File(dir, "progress-" + group), seen);
        c.shutdown();
        tx.shutdown();
        writeKeys(new File(dir, "consumed-" + group + ".txt"), seen);
        writeKeys(new File(dir, "retried-" + group + ".txt"), failedOnce);
        System.out.printf("{\"sent\":%d,\"failed\":%d,\"consumed\":%d,\"received\":%d,\"retried\":%d}%n", sent, failed,
            seen.size(), received.get(), failedOnce.size());
    }

    private static void waitFor(File f) throws InterruptedException {
        waitFor(f, null, null);
    }

    /** Waits for `f`; meanwhile writes the distinct count of `seen` to `progress` every second. */
    private static void waitFor(File f, File progress, Map<String, Boolean> seen) throws InterruptedException {
        long last = 0;
        while (!f.exists()) {
            Thread.sleep(200);
            if (progress != null && System.currentTimeMillis() - last >= 1000) {
                last = System.currentTimeMillis();
                try {
                    String base = progress.getName().replaceFirst("^progress-", "");
                    File live = new File(progress.getParentFile(), "consumed-" + base + ".live");
                    File tmp = new File(progress.getParentFile(), "consumed-" + base + ".live.tmp");
                    writeKeys(tmp, seen);
                    java.nio.file.Files.move(tmp.toPath(), live.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    try (FileWriter w = new FileWriter(progress, StandardCharsets.UTF_8)) {
                        w.write(seen.size() + "\n");
                    }
                } catch (IOException ignored) {
                    // the next second writes them again
                }
            }
        }
    }

    private static void writeKeys(File f, Map<String, Boolean> seen) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new FileWriter(f, StandardCharsets.UTF_8))) {
            for (String k : seen.keySet()) {
                out.write(k + "\n");
            }
        }
    }
}
