"""Reading and writing rasters, vectors and manifests."""
