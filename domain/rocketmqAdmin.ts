/**
 * The RocketMQ admin API as the operations use it: the shapes brokers and name
 * servers answer with, and the requests. Types only.
 */
/** A topic's config on one broker, as the broker reports it. */
export interface TopicConfigData {
    topicName: string;
    readQueueNums: number;
    writeQueueNums: number;
    perm: number;
    topicFilterType?: string;
    topicSysFlag?: number;
    order?: boolean;
    attributes?: Record<string, string>;
}

/** One subscription group's config, passed through as the broker reports it. */
export interface GroupConfigData {
    groupName: string;
    [key: string]: unknown;
}

export interface ClusterBroker {
    cluster: string;
    brokerName: string;
    brokerId: number;
    address: string;
}

export interface RouteQueueData {
    brokerName: string;
    readQueueNums: number;
    writeQueueNums: number;
    perm: number;
}

/** One message queue: a topic's queue `queueId` on broker group `brokerName`. */
export interface QueueAddress {
    topic: string;
    brokerName: string;
    queueId: number;
}

/** A message as read from its queue: `body` is absent when it was not asked for. */
export interface PulledMessage {
    queueOffset: number;
    storeTimestamp: number;
    properties: Record<string, string>;
    body?: string;
    /** The body's exact bytes, when asked for (an export). */
    bodyBase64?: string;
}

export interface QueueOffsets {
    brokerName: string;
    queueId: number;
    minOffset: number;
    maxOffset: number;
}

export interface GroupQueueProgress {
    topic: string;
    brokerName: string;
    queueId: number;
    brokerOffset: number;
    consumerOffset: number;
}

/**
 * What the operations ask of a RocketMQ cluster, one request at a time. The long-lived admin client
 * (operations/adminSession.ts) answers it against real brokers; unit tests answer it with fakes that record the
 * calls, so the order of a roll's or a traffic change's steps can be asserted.
 */
export interface AdminApi {
    /** Every broker the name servers list. */
    cluster(): Promise<ClusterBroker[]>;
    topics(broker: string): Promise<TopicConfigData[]>;
    groups(broker: string): Promise<GroupConfigData[]>;
    putTopic(broker: string, config: TopicConfigData): Promise<void>;
    putGroup(broker: string, config: GroupConfigData): Promise<void>;
    /** The name servers' route of `topic`; undefined when they have none. */
    route(topic: string): Promise<RouteQueueData[] | undefined>;
    topicStats(topic: string): Promise<QueueOffsets[]>;
    /**
     * Per-queue progress of `group` on one broker (every topic it has offsets for, or just `topic`); empty when the
     * broker has none for it. A queue without a committed offset reports consumerOffset 0.
     */
    consumeStats(broker: string, group: string, topic?: string): Promise<GroupQueueProgress[]>;
    /** The broker's runtime info as printed by `mqadmin brokerStatus` (values are strings). */
    runtimeStats(broker: string): Promise<Record<string, string>>;
    commitOffset(
        broker: string,
        group: string,
        queue: { topic: string; brokerName: string; queueId: number },
        offset: number,
    ): Promise<void>;
    /** Takes write permission from `brokerName` on every name server; the count of topics changed per name server. */
    wipeWritePerm(brokerName: string): Promise<Record<string, number>>;
    /** Gives `brokerName` its write permission back on every name server. */
    addWritePerm(brokerName: string): Promise<Record<string, number>>;
    /** 5.x timer messages not yet due on the broker, per topic; undefined from a broker without timers (4.x). */
    timerMetrics(broker: string): Promise<Record<string, number> | undefined>;
    /** The broker's live configuration, every key as a string. */
    brokerConfig(broker: string): Promise<Record<string, string>>;
    /** Changes one key of the broker's configuration; the broker writes it to its config file. */
    setBrokerConfig(broker: string, key: string, value: string): Promise<void>;
    /** Sends one message to one queue (no retry elsewhere): the broker's send status and the message's queue offset. */
    sendToQueue(queue: QueueAddress, body: string): Promise<{ status: string; queueOffset: number }>;
    /**
     * Reads up to `max` messages of one queue from `offset`, without committing anything. System topics (the
     * schedule, half and op topics) are routed like any other and read the same way.
     */
    pullFromQueue(
        queue: QueueAddress,
        offset: number,
        max: number,
        withBody?: boolean,
        base64?: boolean,
    ): Promise<PulledMessage[]>;
    /** Every group with a consumer online and its total backlog: the groups `mqadmin consumerProgress` lists. */
    groupBacklogs(): Promise<Map<string, number>>;
}
