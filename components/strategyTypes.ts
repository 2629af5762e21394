/**
 * The type tokens of the two strategies' top components. Each aliases the other's, so a change of `strategy` keeps
 * every resource both declare (the name servers, blue's processes, its backup and verification) rather than
 * replacing it: the replacement would start a second JVM on the ports and the store the running one holds.
 */
export const ROLLING_TYPE = "rocketmq:index:Rolling";
export const BLUE_GREEN_TYPE = "rocketmq:index:BlueGreen";
