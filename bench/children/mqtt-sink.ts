// MQTT reference: one subscriber (QoS 1, acknowledging at once) that reports what it received so far.
import mqtt from 'mqtt';

const [url, topic] = process.argv.slice(2);
let received = 0;
let first = 0;
let last = 0;
const client = mqtt.connect(url, { clean: true, reconnectPeriod: 0 });
client.on('connect', () =>
  client.subscribe(topic, { qos: 1 }, () => console.log(JSON.stringify({ subscribed: topic }))),
);
client.on('message', () => {
  last = performance.now();
  if (received++ === 0) first = last;
});
setInterval(() => console.log(JSON.stringify({ received, ms: last - first })), 100).unref();
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
