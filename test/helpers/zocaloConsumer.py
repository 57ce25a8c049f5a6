# A Zocalo-side reader for tests, as python-workflows' pika transport reads a queue: it declares
# nothing but what it is told to read, takes each message with its AMQP headers, keeps only
# recipe messages (header workflows-recipe true, as the recipe wrapper checks), decodes the body
# as JSON, acknowledges it, and prints one JSON line per message. It ends after COUNT messages
# or IDLE seconds without one. Other messages (status broadcasts) are printed with their body.
#   python3 zocaloConsumer.py PORT QUEUE[,QUEUE...] COUNT IDLE
import json
import sys
import time

import pika

port, queues, count, idle = int(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])
connection = pika.BlockingConnection(
    pika.ConnectionParameters("127.0.0.1", port, credentials=pika.PlainCredentials("guest", "guest"))
)
channel = connection.channel()
got = 0
last = time.time()
while got < count and time.time() - last < idle:
    took = False
    for queue in queues:
        method, properties, body = channel.basic_get(queue=queue, auto_ack=False)
        if method is None:
            continue
        took = True
        headers = properties.headers or {}
        recipe = headers.get("workflows-recipe") in (True, "True", "true", 1)
        channel.basic_ack(method.delivery_tag)
        print(json.dumps({
            "queue": queue,
            "recipe": recipe,
            "headers": headers,
            "delivery_mode": properties.delivery_mode,
            "redelivered": method.redelivered,
            "message": json.loads(body) if recipe else None,
            "body": None if recipe else json.loads(body),
            "expiration": properties.expiration,
        }), flush=True)
        got += 1
        last = time.time()
    if not took:
        time.sleep(0.05)
connection.close()
