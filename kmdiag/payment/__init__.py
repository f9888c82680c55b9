"""The payment layer: providers, one order's diagnosis, callback logs, the sweep for lost callbacks."""
