"""Objects from masks (8-connected), label images and vector rows (one row, one object)."""

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import MultiPolygon

from massmap.metrics.objects import mask_objects, objects_from_labels, objects_from_polygons
from tests.evaluate.factories import pixel_box


def test_corner_touching_pixels_are_one_object_and_separated_ones_two():
    mask = np.zeros((6, 6), bool)
    mask[1, 1] = mask[2, 2] = True  # diagonal neighbours: one 8-connected object
    mask[4, 4] = True
    labels = mask_objects(mask)
    assert labels.dtype == np.int32
    assert labels.max() == 2
    assert labels[1, 1] == labels[2, 2] != labels[4, 4]


def test_label_image_objects_keep_their_ids_and_pixel_counts():
    labels = np.zeros((5, 5), np.int32)
    labels[0, 0:3] = 7
    labels[4, :] = 2
    objs = objects_from_labels(labels)
    assert objs.ids.tolist() == [2, 7]
    assert objs.pixel_counts().tolist() == [5, 3]


def test_multipolygon_row_is_one_object_and_overlapping_rows_stay_whole(grid):
    multi = MultiPolygon([pixel_box(grid, 0, 0, 4, 4), pixel_box(grid, 10, 10, 12, 12)])
    overlapping = pixel_box(grid, 2, 2, 6, 6)  # shares 4 pixels with the first part
    gdf = gpd.GeoDataFrame(geometry=[multi, overlapping], crs=grid.crs)
    objs = objects_from_polygons(gdf, grid)
    assert len(objs) == 2
    assert objs.pixel_counts().tolist() == [16 + 4, 16]
    assert objs.union_mask().sum() == 16 + 4 + 16 - 4


def test_object_areas_are_ground_areas_in_m2(grid):
    gdf = gpd.GeoDataFrame(geometry=[pixel_box(grid, 5, 5, 15, 25)], crs=grid.crs)
    objs = objects_from_polygons(gdf, grid)
    assert objs.areas_m2(grid)[0] == pytest.approx(200 * 100.0)  # 200 pixels of 10 m x 10 m


def test_sub_pixel_polygon_keeps_the_pixel_it_touches(grid):
    x, y = grid.transform @ (10.2, 10.2)
    from shapely.geometry import box

    tiny = box(x, y - 2.0, x + 2.0, y)  # 2 m x 2 m, covers no pixel centre
    objs = objects_from_polygons(gpd.GeoDataFrame(geometry=[tiny], crs=grid.crs), grid)
    assert objs.pixel_counts().tolist() == [1]


def test_border_objects_are_cut_at_the_grid_edge_and_flagged(grid):
    half_out = pixel_box(grid, -5, 10, 5, 20)  # rows -5..4: half above the scene
    inside = pixel_box(grid, 30, 30, 35, 35)
    outside = pixel_box(grid, -20, -20, -10, -10)
    gdf = gpd.GeoDataFrame(geometry=[half_out, inside, outside], crs=grid.crs)
    objs = objects_from_polygons(gdf, grid)
    assert objs.ids.tolist() == [0, 1]  # the polygon wholly outside is no object on this grid
    assert objs.pixel_counts().tolist() == [50, 25]
    assert objs.touches_border().tolist() == [True, False]


def test_objects_wholly_on_nodata_are_dropped():
    labels = np.zeros((6, 6), np.int32)
    labels[0:2, 0:2] = 1
    labels[4:6, 4:6] = 2
    valid = np.ones((6, 6), bool)
    valid[0:3, :] = False
    objs = objects_from_labels(labels, valid)
    assert objs.ids.tolist() == [2]
