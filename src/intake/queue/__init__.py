"""Queue: documentary checks placed on the officers' triaged work queues (arq on Redis)."""
