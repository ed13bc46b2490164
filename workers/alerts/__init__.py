"""Alert rules evaluated where the data is: zone occupancy, crossings, cameras offline, workers
silent, queues too deep, the error queue growing."""
