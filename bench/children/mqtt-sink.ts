// MQTT reference: one subscriber (QoS 1, acknowledging at once) that reports when `count` messages arrived.
import mqtt from 'mqtt';

const [url, topic, countText] = process.argv.slice(2);
const count = Number(countText);
let received = 0;
let first = 0;
const client = mqtt.connect(url, { clean: true, reconnectPeriod: 0 });
client.on('connect', () =>
  client.subscribe(topic, { qos: 1 }, () => console.log(JSON.stringify({ subscribed: topic }))),
);
client.on('message', () => {
  if (received++ === 0) first = performance.now();
  if (received === count)
    console.log(JSON.stringify({ received, ms: performance.now() - first, at: Date.now() }));
});
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
