#!/usr/bin/env bash
# Installs and starts a RocketMQ 4.9.7 cluster on test hosts by hand, the way the runbook's operators run one: the
# release copied to /opt/rocketmq-4.9.7 with /opt/rocketmq pointing at it, a broker.conf written into its conf/,
# each server started with nohup from /opt/rocketmq. rocketmq-upgrade has never seen this cluster. The release is
# the Maven-built one (lib/ and conf/, no bin/ scripts), so the java line is what bin/mqbroker would run.
# The cluster is "legacy": two name servers, and two broker groups (broker-a, broker-b), each a master and a slave.
# Usage: start-by-hand.sh KEY RELEASE_TGZ NS1 NS2 A_MASTER A_SLAVE B_MASTER B_SLAVE   (host addresses)
# Two settings suit the test machine, as an operator tunes a broker.conf to theirs: brokers re-register every 10 s,
# and a send may wait 3 s in the broker's queue (the 200 ms default answers "broker busy" on 2 busy cores, and the
# 4.x client does not retry that). hostsPlatform.test.ts gives its cluster the same two.
# Prints one line per process: "<role> <host address> <pid>", roles namesrv-0, namesrv-1, broker-a-0, broker-a-1,
# broker-b-0, broker-b-1.
set -euo pipefail
key=$1 release=$2 ns1=$3 ns2=$4
brokers=("broker-a 0 $5" "broker-a 1 $6" "broker-b 0 $7" "broker-b 1 $8")
ssh_opts=(-i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes)
on() { local host=$1; shift; ssh "${ssh_opts[@]}" "root@$host" "$@"; }

for host in "$ns1" "$ns2" "$5" "$6" "$7" "$8"; do
  scp "${ssh_opts[@]}" -q "$release" "root@$host:/opt/rocketmq-4.9.7.tar.gz"
  on "$host" 'mkdir -p /opt/rocketmq-4.9.7 && tar -xzf /opt/rocketmq-4.9.7.tar.gz -C /opt/rocketmq-4.9.7 && rm /opt/rocketmq-4.9.7.tar.gz && ln -sfn /opt/rocketmq-4.9.7 /opt/rocketmq && mkdir -p /srv/logs'
done

java_line='java -server -Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED -Duser.home=/srv -Drocketmq.home.dir=/opt/rocketmq -cp "lib/*"'

for i in 0 1; do
  host=$ns1
  if [ "$i" = 1 ]; then host=$ns2; fi
  pid=$(on "$host" "cd /opt/rocketmq; nohup $java_line org.apache.rocketmq.namesrv.NamesrvStartup > /srv/logs/namesrv.out 2>&1 < /dev/null & echo \$!")
  echo "namesrv-$i $host $pid"
done

for b in "${brokers[@]}"; do
  read -r name id host <<<"$b"
  role=ASYNC_MASTER
  if [ "$id" != 0 ]; then role=SLAVE; fi
  on "$host" "cat > /opt/rocketmq/conf/broker.conf" <<CONF
brokerClusterName=legacy
brokerName=$name
brokerId=$id
brokerRole=$role
flushDiskType=ASYNC_FLUSH
brokerIP1=$host
namesrvAddr=$ns1:9876;$ns2:9876
storePathRootDir=/srv/store
storePathCommitLog=/srv/store/commitlog
deleteWhen=04
fileReservedTime=48
registerNameServerPeriod=10000
waitTimeMillsInSendQueue=3000
CONF
  pid=$(on "$host" "cd /opt/rocketmq; nohup $java_line org.apache.rocketmq.broker.BrokerStartup -c conf/broker.conf > /srv/logs/broker.out 2>&1 < /dev/null & echo \$!")
  echo "$name-$id $host $pid"
done
