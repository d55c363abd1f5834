"""The admin node's side of sync: broker accounts, the publisher, the fleet monitor and `serve`."""
