import CBLAS
import Engine

/// How `ConvND` cuts its output into tiles of leading rows and hands them to the workers.
///
/// Tiles are as tall as the workers' share of the scratch budget allows for their im2col columns, but no
/// taller than needed to give every worker a tile, and all of one height (the last may be shorter). Tiles are
/// assigned to workers statically (worker w takes every `workers`-th tile), so which tiles a worker sums over,
/// and hence the rounding of the weight gradient, never depends on timing.
struct ConvTiling {
    let rows: Int
    let rowsPerTile: Int
    let tiles: Int
    let workers: Int
    /// Floats of one worker's column buffer.
    let scratchCount: Int

    /// `columnRows`: rows of the column matrix (inChannels * window); `minimumRows`: the least tile height.
    init(_ g: WindowGeometry, columnRows: Int, budget: Int, minimumRows: Int) {
        rows = g.output[0]
        let available = max(1, ThreadSettings.workers)
        let even = RowTiling.even(rows: rows, rowBytes: columnRows * g.leadingRowSize * MemoryLayout<Float>.size,
                                  budget: budget, workers: available)
        let height = min(rows, max(even.height, minimumRows))
        rowsPerTile = height
        tiles = (rows + height - 1) / height
        workers = min(available, tiles)
        scratchCount = columnRows * height * g.leadingRowSize
    }

    func rows(of tile: Int) -> Range<Int> {
        let start = tile * rowsPerTile
        return start..<min(rows, start + rowsPerTile)
    }

    /// Runs `body(columns, rows, worker)` for every tile (or, with `phase`, for the tiles whose index has that
    /// parity), on all workers in parallel, each with its own column buffer of `scratchCount` floats and with
    /// OpenBLAS single-threaded, since the parallelism is across tiles.
    func run(phase: Int?, _ body: (UnsafeMutablePointer<Float>, Range<Int>, Int) -> Void) {
        let list = phase.map { p in Array(Swift.stride(from: p, to: tiles, by: 2)) } ?? Array(0..<tiles)
        guard !list.isEmpty else { return }
        let used = min(workers, list.count)
        func work() {
            parallelFor(used) { worker in
                ScratchPool.shared.with(max(1, scratchCount)) { col in
                    for j in Swift.stride(from: worker, to: list.count, by: used) {
                        body(col, rows(of: list[j]), worker)
                    }
                }
            }
        }
        // One tile at a time: let OpenBLAS use every core on it.
        if used > 1 { ThreadSettings.withSingleThreadedBLAS(work) } else { work() }
    }
}
