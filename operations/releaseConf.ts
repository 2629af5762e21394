/**
 * The $ROCKETMQ_HOME/conf files a release needs before any process starts.
 * 4.9.x refuses to start without conf/logback_{namesrv,broker,tools}.xml;
 * 5.x carries its logback files inside the jars and needs nothing here.
 */
import * as fs from "fs";
import * as path from "path";
import { readsLogbackFromConfDir, RocketMQVersion } from "../domain/versions";

/** The log file names a 4.9.x process writes under ${user.home}/logs/rocketmqlogs. */
export const LOGBACK_ROLES = ["namesrv", "broker", "tools"] as const;
export type LogbackRole = (typeof LOGBACK_ROLES)[number];

/**
 * A size-capped logback config. Every process gets its own user.home, so the
 * same file name never collides between processes.
 */
export function logbackXml(role: LogbackRole): string {
    const file = `\${user.home}/logs/rocketmqlogs/${role}.log`;
    return `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${file}</file>
    <append>true</append>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>${file}.%i</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>32MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%d{yyy-MM-dd HH:mm:ss,SSS} %-5p [%t] %c{0} - %m%n</pattern>
      <charset>UTF-8</charset>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
  </root>
</configuration>
`;
}

/** Writes the conf/ directory for `version` into `confDir`. */
export function writeConfFiles(confDir: string, version: RocketMQVersion): void {
    fs.mkdirSync(confDir, { recursive: true });
    if (!readsLogbackFromConfDir(version)) {
        return;
    }
    for (const role of LOGBACK_ROLES) {
        fs.writeFileSync(path.join(confDir, `logback_${role}.xml`), logbackXml(role));
    }
}
