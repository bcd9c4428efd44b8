"""The special guarantees' pages (특례보증): programs and their dashboards in the console; the bank desk."""
