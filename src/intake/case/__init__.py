"""The case: what the desk keeps of every consignment and every mail, durably."""
