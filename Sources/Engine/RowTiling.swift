/// How a convolution cuts its output rows into tiles for the workers (`Conv2D`'s im2col path, and `ConvND`).
public enum RowTiling {
    /// Tiles of `rows` rows of `rowBytes` bytes of scratch each: as tall as each worker's share of `budget` allows,
    /// no taller than gives every worker a tile, and all of one height (the last may be shorter).
    /// Edge cases: a budget smaller than one row still gives tiles of one row; `rows` < `workers` gives one-row tiles.
    public static func even(rows: Int, rowBytes: Int, budget: Int, workers: Int) -> (height: Int, count: Int) {
        var height = max(1, min(rows, budget / workers / max(1, rowBytes)))
        height = min(height, (rows + workers - 1) / workers)
        let count = (rows + height - 1) / height
        height = (rows + count - 1) / count
        return (height, (rows + height - 1) / height)
    }
}
