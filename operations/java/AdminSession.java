import com.alibaba.fastjson.JSON;
import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * One RocketMQ admin client kept open for a whole traffic change, so a stage
 * bump costs one JVM start instead of one per broker and topic (as mqadmin
 * would). Requests arrive one JSON object per line on stdin; each gets one
 * JSON line on stdout: {"ok":true,"result":...} or {"ok":false,"error":"..."}.
 * Built against the 5.x admin API, which also speaks to 4.9.x brokers.
 *
 * Operations (field "op"):
 *   cluster                         brokers by cluster: [{cluster, brokerName, brokerId, address}]
 *   topics       broker             every topic config the broker holds
 *   groups       broker             every subscription group config the broker holds
 *   putTopic     broker, config     create or update one topic config on one broker
 *   putGroup     broker, config     create or update one subscription group on one broker
 *   route        topic              the name servers' route: [{brokerName, readQueueNums, writeQueueNums, perm}]
 *   topicStats   topic              [{brokerName, queueId, minOffset, maxOffset}] over the route's read queues
 *   consumeStats broker, group[, topic]  that broker's [{topic, brokerName, queueId, brokerOffset, consumerOffset}]
 *   runtimeStats broker             the broker's runtime info (putTps, getTransferredTps, ...)
 *   commitOffset broker, group, topic, brokerName, queueId, offset
 *   wipeWritePerm brokerName        take write permission away on every name server: {nameServer: topicsChanged}
 *   addWritePerm  brokerName        give it back on every name server: {nameServer: topicsChanged}
 *   brokerConfig  broker            the broker's live config (every key, as strings)
 *   setBrokerConfig broker, key, value  change one key of the broker's config; the broker persists it
 *   send         topic, brokerName, queueId, body   one message to one queue: {status, queueOffset}
 *   pull         topic, brokerName, queueId, offset, max[, withBody][, base64]  up to max messages from offset:
 *                                    [{queueOffset, storeTimestamp, properties, body[, bodyBase64]}]
 *   timerMetrics broker             5.x: the broker's timer messages not yet due, per topic ({topic: count});
 *                                    null from a broker without timers (4.x answers the request as unsupported)
 *   groupBacklogs                    every group with a consumer online (this session's reader aside):
 *                                    {group: total backlog}, as `mqadmin consumerProgress` lists them
 */
public final class AdminSession {
    private AdminSession() {}

    /** Started on first use only: most sessions never send or pull. */
    private static DefaultMQProducer producer;
    private static DefaultMQPullConsumer puller;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AdminSession NAMESRV_LIST");
            System.exit(2);
        }
        // RocketMQ's client logs to stdout by default; only our JSON lines may go there.
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        System.setOut(System.err);
        DefaultMQAdminExt admin = new DefaultMQAdminExt(15_000);
        admin.setNamesrvAddr(args[0]);
        admin.setInstanceName("rocketmq-upgrade-admin-" + ProcessHandle.current().pid());
        admin.start();
        out.println("{\"ok\":true,\"result\":\"ready\"}");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JSONObject reply = new JSONObject();
                try {
                    reply.put("result", handle(admin, JSON.parseObject(line)));
                    reply.put("ok", true);
                } catch (Exception e) {
                    reply.put("ok", false);
                    reply.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                out.println(reply.toJSONString());
            }
        } finally {
            if (producer != null) {
                producer.shutdown();
            }
            if (puller != null) {
                puller.shutdown();
            }
            admin.shutdown();
        }
        // The clients' network threads would otherwise keep the JVM alive through Netty's graceful quiet period
        // (about 3 s); everything worth finishing is done, and every caller waits for this exit.
        System.exit(0);
    }

    /** The admin API has no call for it; this is the request a 5.x slave sends its master to sync the counts. */
    private static Object timerMetrics(DefaultMQAdminExt admin, String broker) throws Exception {
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.GET_TIMER_METRICS, null);
        RemotingCommand response = admin.getDefaultMQAdminExtImpl().getMqClientInstance().getMQClientAPIImpl()
            .getRemotingClient().invokeSync(broker, request, 15_000);
        if (response.getCode() == ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
            return null;
        }
        if (response.getCode() != ResponseCode.SUCCESS) {
            throw new IllegalStateException("timer metrics from " + broker + ": code " + response.getCode() + ", " + response.getRemark());
        }
        JSONObject counts = new JSONObject();
        JSONObject timing = JSON.parseObject(new String(response.getBody(), StandardCharsets.UTF_8)).getJSONObject("timingCount");
        if (timing != null) {
            for (String topic : timing.keySet()) {
                counts.put(topic, timing.getJSONObject(topic).getLongValue("count"));
            }
        }
        return counts;
    }

    private static Object handle(DefaultMQAdminExt admin, JSONObject req) throws Exception {
        String op = req.getString("op");
        switch (op == null ? "" : op) {
            case "cluster":
                return cluster(admin.examineBrokerClusterInfo());
            case "topics": {
                JSONArray list = new JSONArray();
                for (TopicConfig c : admin.getAllTopicConfig(req.getString("broker"), 15_000).getTopicConfigTable().values()) {
                    list.add(topicJson(c));
                }
                return list;
            }
            case "groups": {
                JSONArray list = new JSONArray();
                for (SubscriptionGroupConfig g : admin.getAllSubscriptionGroup(req.getString("broker"), 15_000).getSubscriptionGroupTable().values()) {
                    list.add(JSON.parseObject(JSON.toJSONString(g)));
                }
                return list;
            }
            case "putTopic":
                admin.createAndUpdateTopicConfig(req.getString("broker"), topicConfig(req.getJSONObject("config")));
                return "done";
            case "putGroup":
                admin.createAndUpdateSubscriptionGroupConfig(req.getString("broker"),
                    JSON.toJavaObject(req.getJSONObject("config"), SubscriptionGroupConfig.class));
                return "done";
            case "route":
                return route(admin.examineTopicRouteInfo(req.getString("topic")));
            case "topicStats":
                return topicStats(admin, req.getString("topic"));
            case "consumeStats":
                return consumeStats(admin.examineConsumeStats(req.getString("broker"), req.getString("group"), req.getString("topic"), 15_000));
            case "runtimeStats":
                return new JSONObject(new java.util.HashMap<String, Object>(admin.fetchBrokerRuntimeStats(req.getString("broker")).getTable()));
            case "commitOffset": {
                MessageQueue mq = new MessageQueue(req.getString("topic"), req.getString("brokerName"), req.getIntValue("queueId"));
                admin.updateConsumeOffset(req.getString("broker"), req.getString("group"), mq, req.getLongValue("offset"));
                return "done";
            }
            case "wipeWritePerm":
            case "addWritePerm": {
                JSONObject changed = new JSONObject();
                for (String ns : admin.getNamesrvAddr().split(";")) {
                    changed.put(ns, op.equals("wipeWritePerm")
                        ? admin.wipeWritePermOfBroker(ns, req.getString("brokerName"))
                        : admin.addWritePermOfBroker(ns, req.getString("brokerName")));
                }
                return changed;
            }
            case "timerMetrics":
                return timerMetrics(admin, req.getString("broker"));
            case "brokerConfig":
                return new JSONObject(new java.util.HashMap<String, Object>((Map) admin.getBrokerConfig(req.getString("broker"))));
            case "setBrokerConfig": {
                java.util.Properties p = new java.util.Properties();
                p.setProperty(req.getString("key"), req.getString("value"));
                admin.updateBrokerConfig(req.getString("broker"), p);
                return "done";
            }
            case "send":
                return send(admin, req);
            case "pull":
                return pull(admin, req);
            case "groupBacklogs":
                return groupBacklogs(admin);
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static MessageQueue queueOf(JSONObject req) {
        return new MessageQueue(req.getString("topic"), req.getString("brokerName"), req.getIntValue("queueId"));
    }

    private static JSONObject send(DefaultMQAdminExt admin, JSONObject req) throws Exception {
        if (producer == null) {
            producer = new DefaultMQProducer("rocketmq-upgrade-verify-producer");
            producer.setNamesrvAddr(admin.getNamesrvAddr());
            producer.setInstanceName("rocketmq-upgrade-verify-" + ProcessHandle.current().pid());
            producer.setSendMsgTimeout(10_000);
            producer.start();
        }
        Message msg = new Message(req.getString("topic"), req.getString("body").getBytes(StandardCharsets.UTF_8));
        SendResult r = producer.send(msg, queueOf(req));
        JSONObject o = new JSONObject();
        o.put("status", r.getSendStatus().name());
        o.put("queueOffset", r.getQueueOffset());
        return o;
    }

    @SuppressWarnings("deprecation")
    private static JSONArray pull(DefaultMQAdminExt admin, JSONObject req) throws Exception {
        if (puller == null) {
            // mqadmin's own reader group: a broker creates a retry topic for any group that heartbeats, so reuse
            // the one mqadmin consumeMessage already leaves rather than add a second.
            puller = new DefaultMQPullConsumer(MixAll.TOOLS_CONSUMER_GROUP);
            puller.setNamesrvAddr(admin.getNamesrvAddr());
            puller.setInstanceName("rocketmq-upgrade-verify-" + ProcessHandle.current().pid());
            puller.start();
        }
        PullResult r = puller.pull(queueOf(req), "*", req.getLongValue("offset"), req.getIntValue("max"));
        JSONArray list = new JSONArray();
        if (r.getPullStatus() == PullStatus.FOUND) {
            boolean withBody = !Boolean.FALSE.equals(req.getBoolean("withBody"));
            for (MessageExt m : r.getMsgFoundList()) {
                JSONObject o = new JSONObject();
                o.put("queueOffset", m.getQueueOffset());
                o.put("storeTimestamp", m.getStoreTimestamp());
                o.put("properties", m.getProperties());
                if (withBody) {
                    o.put("body", new String(m.getBody(), StandardCharsets.UTF_8));
                }
                if (Boolean.TRUE.equals(req.getBoolean("base64"))) {
                    // An exported message keeps its exact bytes, whatever its encoding.
                    o.put("bodyBase64", java.util.Base64.getEncoder().encodeToString(m.getBody()));
                }
                list.add(o);
            }
        }
        return list;
    }

    // The groups `mqadmin consumerProgress` prints a backlog for: those with a retry topic and a consumer online.
    private static JSONObject groupBacklogs(DefaultMQAdminExt admin) throws Exception {
        JSONObject backlogs = new JSONObject();
        for (String topic : admin.fetchAllTopicList().getTopicList()) {
            if (!topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX)) {
                continue;
            }
            String group = topic.substring(MixAll.RETRY_GROUP_TOPIC_PREFIX.length());
            if (puller != null && group.equals(puller.getConsumerGroup())) {
                // This session's own reader, online only while the session lasts.
                continue;
            }
            try {
                if (admin.examineConsumerConnectionInfo(group).getConnectionSet().isEmpty()) {
                    continue;
                }
            } catch (Exception offline) {
                continue;
            }
            long diff = 0;
            try {
                diff = admin.examineConsumeStats(group).computeTotalDiff();
            } catch (Exception unreadable) {
                // mqadmin prints 0 for a group whose stats it cannot read; so does this.
            }
            backlogs.put(group, diff);
        }
        return backlogs;
    }

    private static JSONArray cluster(ClusterInfo info) {
        JSONArray list = new JSONArray();
        for (Map.Entry<String, java.util.Set<String>> e : info.getClusterAddrTable().entrySet()) {
            for (String brokerName : e.getValue()) {
                BrokerData bd = info.getBrokerAddrTable().get(brokerName);
                if (bd == null) {
                    continue;
                }
                for (Map.Entry<Long, String> addr : bd.getBrokerAddrs().entrySet()) {
                    JSONObject b = new JSONObject();
                    b.put("cluster", e.getKey());
                    b.put("brokerName", brokerName);
                    b.put("brokerId", addr.getKey());
                    b.put("address", addr.getValue());
                    list.add(b);
                }
            }
        }
        return list;
    }

    private static JSONObject topicJson(TopicConfig c) {
        JSONObject t = new JSONObject();
        t.put("topicName", c.getTopicName());
        t.put("readQueueNums", c.getReadQueueNums());
        t.put("writeQueueNums", c.getWriteQueueNums());
        t.put("perm", c.getPerm());
        t.put("topicFilterType", c.getTopicFilterType().name());
        t.put("topicSysFlag", c.getTopicSysFlag());
        t.put("order", c.isOrder());
        t.put("attributes", c.getAttributes());
        return t;
    }

    private static TopicConfig topicConfig(JSONObject j) {
        TopicConfig c = new TopicConfig(j.getString("topicName"));
        c.setReadQueueNums(j.getIntValue("readQueueNums"));
        c.setWriteQueueNums(j.getIntValue("writeQueueNums"));
        c.setPerm(j.getIntValue("perm"));
        if (j.containsKey("topicFilterType")) {
            c.setTopicFilterType(org.apache.rocketmq.common.TopicFilterType.valueOf(j.getString("topicFilterType")));
        }
        c.setTopicSysFlag(j.getIntValue("topicSysFlag"));
        c.setOrder(j.getBooleanValue("order"));
        JSONObject attrs = j.getJSONObject("attributes");
        if (attrs != null && !attrs.isEmpty()) {
            Map<String, String> m = new java.util.HashMap<>();
            for (String k : attrs.keySet()) {
                // The broker takes attribute changes as "+key" (set) entries.
                m.put(k.startsWith("+") || k.startsWith("-") ? k : "+" + k, attrs.getString(k));
            }
            c.setAttributes(m);
        }
        return c;
    }

    private static JSONArray route(TopicRouteData r) {
        JSONArray list = new JSONArray();
        for (QueueData q : r.getQueueDatas()) {
            JSONObject o = new JSONObject();
            o.put("brokerName", q.getBrokerName());
            o.put("readQueueNums", q.getReadQueueNums());
            o.put("writeQueueNums", q.getWriteQueueNums());
            o.put("perm", q.getPerm());
            list.add(o);
        }
        return list;
    }

    // Queue by queue with the offset requests every line answers: 5.x's one-shot topic stats call is unknown to 4.9.x brokers.
    private static JSONArray topicStats(DefaultMQAdminExt admin, String topic) throws Exception {
        JSONArray list = new JSONArray();
        for (QueueData q : admin.examineTopicRouteInfo(topic).getQueueDatas()) {
            for (int i = 0; i < q.getReadQueueNums(); i++) {
                MessageQueue mq = new MessageQueue(topic, q.getBrokerName(), i);
                JSONObject o = new JSONObject();
                o.put("brokerName", q.getBrokerName());
                o.put("queueId", i);
                o.put("minOffset", admin.minOffset(mq));
                o.put("maxOffset", admin.maxOffset(mq));
                list.add(o);
            }
        }
        return list;
    }

    private static JSONArray consumeStats(ConsumeStats stats) {
        JSONArray list = new JSONArray();
        for (Map.Entry<MessageQueue, OffsetWrapper> e : stats.getOffsetTable().entrySet()) {
            JSONObject o = new JSONObject();
            o.put("topic", e.getKey().getTopic());
            o.put("brokerName", e.getKey().getBrokerName());
            o.put("queueId", e.getKey().getQueueId());
            o.put("brokerOffset", e.getValue().getBrokerOffset());
            o.put("consumerOffset", e.getValue().getConsumerOffset());
            list.add(o);
        }
        return list;
    }
}
