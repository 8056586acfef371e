"""The project's RQ queues. Time-critical work sits on a queue every worker takes first."""
from rq import Queue


class Queues:
    def __init__(self, redis, prefix):
        self.urgent = Queue(f"{prefix}-urgent", connection=redis)
        self.normal = Queue(f"{prefix}-normal", connection=redis)

    def for_action(self, time_critical):
        return self.urgent if time_critical else self.normal

    def in_priority_order(self):
        """The order a worker listens in: RQ always drains the first queue before the next."""
        return [self.urgent, self.normal]
