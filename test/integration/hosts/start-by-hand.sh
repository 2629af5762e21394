#!/usr/bin/env bash
# Installs and starts a RocketMQ 4.9.7 cluster on test hosts by hand, the way the runbook's operators run one: the
# release copied to /opt/rocketmq-4.9.7 with /opt/rocketmq pointing at it, a broker.conf written into its conf/,
# each server started with nohup from /opt/rocketmq. rocketmq-upgrade has never seen this cluster. The release is
# the Maven-built one (lib/ and conf/, no bin/ scripts), so the java line is what bin/mqbroker would run.
# Usage: start-by-hand.sh KEY RELEASE_TGZ NAMESRV_ADDR MASTER_ADDR SLAVE_ADDR
# Prints one line per process: "<role> <host address> <pid>".
set -euo pipefail
key=$1 release=$2 ns=$3 master=$4 slave=$5
ssh_opts=(-i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes)
on() { local host=$1; shift; ssh "${ssh_opts[@]}" "root@$host" "$@"; }

for host in "$ns" "$master" "$slave"; do
  scp "${ssh_opts[@]}" -q "$release" "root@$host:/opt/rocketmq-4.9.7.tar.gz"
  on "$host" 'mkdir -p /opt/rocketmq-4.9.7 && tar -xzf /opt/rocketmq-4.9.7.tar.gz -C /opt/rocketmq-4.9.7 && rm /opt/rocketmq-4.9.7.tar.gz && ln -sfn /opt/rocketmq-4.9.7 /opt/rocketmq && mkdir -p /srv/logs'
done

java_line='java -server -Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED -Duser.home=/srv -Drocketmq.home.dir=/opt/rocketmq -cp "lib/*"'

pid=$(on "$ns" "cd /opt/rocketmq; nohup $java_line org.apache.rocketmq.namesrv.NamesrvStartup > /srv/logs/namesrv.out 2>&1 < /dev/null & echo \$!")
echo "namesrv $ns $pid"

for role in master slave; do
  host=$master id=0 brokerRole=ASYNC_MASTER
  if [ "$role" = slave ]; then host=$slave id=1 brokerRole=SLAVE; fi
  on "$host" "cat > /opt/rocketmq/conf/broker.conf" <<CONF
brokerClusterName=legacy
brokerName=broker-a
brokerId=$id
brokerRole=$brokerRole
flushDiskType=ASYNC_FLUSH
brokerIP1=$host
namesrvAddr=$ns:9876
storePathRootDir=/srv/store
storePathCommitLog=/srv/store/commitlog
deleteWhen=04
fileReservedTime=48
CONF
  pid=$(on "$host" "cd /opt/rocketmq; nohup $java_line org.apache.rocketmq.broker.BrokerStartup -c conf/broker.conf > /srv/logs/broker.out 2>&1 < /dev/null & echo \$!")
  echo "$role $host $pid"
done
