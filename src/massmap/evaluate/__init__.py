"""Measuring delineations: the model against its labels, experts against each other, inventories' area statistics."""
