"""Agreement metrics shared by training, evaluation and orbit combination: pixel scores (`pixel`), objects on
a grid (`objects`) and their optimal one-to-one matching with object precision, recall and F1 (`matching`)."""
