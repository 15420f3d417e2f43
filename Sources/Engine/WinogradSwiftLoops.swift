// The Swift reference of the Winograd transforms' loops (TransformLoops.swift): per block of tiles, the same
// work as stylize_winograd_input_block and stylize_winograd_output_block (Sources/CWinograd), which must give
// the same bits. SIMD4 does four tiles at once, with the scalar operations of `inputTransform` and
// `outputTransform` on each lane.

extension Winograd {
    /// The input transform of one block of `n` tiles, as `stylize_winograd_input_block` (its header says the
    /// arguments): `r0`...`r5` the window's rows from column `lead` on (`valid` values), V written from `base`
    /// with `planeStride` between positions; `lines` has room for six lines of 4 * blockTiles + 2 floats.
    static func inputBlockSwift(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
                                _ r3: UnsafePointer<Float>, _ r4: UnsafePointer<Float>, _ r5: UnsafePointer<Float>,
                                lead: Int, valid: Int, tiles n: Int, into base: UnsafeMutablePointer<Float>,
                                planeStride: Int, lines: UnsafeMutablePointer<Float>) {
        let lineLength = tile * blockTiles + 2
        let span = tile * n + 2
        let l0 = lines, l1 = l0 + lineLength, l2 = l1 + lineLength
        let l3 = l2 + lineLength, l4 = l3 + lineLength, l5 = l4 + lineLength
        // Columns outside the image are zero in every transformed row.
        for a in 0..<6 {
            let l = lines + a * lineLength
            if lead > 0 { l.update(repeating: 0, count: lead) }
            if lead + valid < span { (l + lead + valid).update(repeating: 0, count: span - lead - valid) }
        }
        // Vertical B^T over the six rows, contiguous along x.
        let o0 = l0 + lead, o1 = l1 + lead, o2 = l2 + lead, o3 = l3 + lead, o4 = l4 + lead, o5 = l5 + lead
        for i in 0..<valid {
            (o0[i], o1[i], o2[i], o3[i], o4[i], o5[i]) = inputTransform(r0[i], r1[i], r2[i], r3[i], r4[i], r5[i])
        }
        // Horizontal B^T within each transformed row: tile j reads columns 4j ..< 4j+6.
        // Four tiles at a time: transposing the 4x4 blocks of columns gives d0..d3 of four tiles
        // in four vectors, and the next block's transpose gives d4, d5.
        for a in 0..<6 {
            let l = lines + a * lineLength
            let out = base + a * 6 * planeStride
            let v0 = out, v1 = out + planeStride, v2 = v1 + planeStride
            let v3 = v2 + planeStride, v4 = v3 + planeStride, v5 = v4 + planeStride
            var j = 0
            // The transposed block j+1 ... j+4 reads up to column 4j + 19 < span when j + 4 < n.
            while j + 4 < n {
                let q = l + 4 * j
                let t0 = load4(q), t1 = load4(q + 4), t2 = load4(q + 8), t3 = load4(q + 12), t4 = load4(q + 16)
                let (d0, d1, d2, d3) = transpose(t0, t1, t2, t3)
                let (d4, d5) = transposeFirstTwo(t1, t2, t3, t4)
                let t = inputTransform(d0, d1, d2, d3, d4, d5)
                store4(t.0, v0 + j)
                store4(t.1, v1 + j)
                store4(t.2, v2 + j)
                store4(t.3, v3 + j)
                store4(t.4, v4 + j)
                store4(t.5, v5 + j)
                j += 4
            }
            while j < n {
                let q = l + 4 * j
                (v0[j], v1[j], v2[j], v3[j], v4[j], v5[j]) = inputTransform(q[0], q[1], q[2], q[3], q[4], q[5])
                j += 1
            }
        }
    }

    /// The output transform of one block of `n` tiles of one channel, as `stylize_winograd_output_block`:
    /// M read from `base` with `planeStride` between positions, the first `rows` rows of the block written at
    /// `dst` + r * `rowStride`, columns 0 ..< min(4n, `columns`), plus `bias`; `lines` has room for
    /// 24 * blockTiles + 4 floats.
    static func outputBlockSwift(_ base: UnsafePointer<Float>, planeStride: Int, tiles n: Int, bias b0: Float,
                                 rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>, rowStride: Int,
                                 lines: UnsafeMutablePointer<Float>) {
        let temp = lines                       // 24 rows of blockTiles: s[r][b]
        let partial = lines + 24 * blockTiles  // the last, partial tile of a row
        // Vertical A^T: s[r][b][j] from M[a*6 + b][j], a = 0..5.
        for b in 0..<6 {
            let m0 = base + b * planeStride, m1 = m0 + 6 * planeStride, m2 = m1 + 6 * planeStride
            let m3 = m2 + 6 * planeStride, m4 = m3 + 6 * planeStride, m5 = m4 + 6 * planeStride
            let s0 = temp + b * blockTiles, s1 = s0 + 6 * blockTiles
            let s2 = s1 + 6 * blockTiles, s3 = s2 + 6 * blockTiles
            for j in 0..<n {
                (s0[j], s1[j], s2[j], s3[j]) = outputTransform(m0[j], m1[j], m2[j], m3[j], m4[j], m5[j])
            }
        }
        // Horizontal A^T, written along the output rows.
        let full = min(n, columns / tile)
        for r in 0..<rows {
            let s = temp + r * 6 * blockTiles
            let e0 = s, e1 = s + blockTiles, e2 = e1 + blockTiles
            let e3 = e2 + blockTiles, e4 = e3 + blockTiles, e5 = e4 + blockTiles
            let row = dst + r * rowStride
            @inline(__always) func tileRow(_ j: Int, _ q: UnsafeMutablePointer<Float>) {
                let t = outputTransform(e0[j], e1[j], e2[j], e3[j], e4[j], e5[j])
                q[0] = b0 + t.0
                q[1] = b0 + t.1
                q[2] = b0 + t.2
                q[3] = b0 + t.3
            }
            // Four tiles at a time: y_s holds column s of four tiles; transposed, each vector is one tile's row.
            var j = 0
            let bias4 = SIMD4<Float>(repeating: b0)
            while j + 4 <= full {
                let t = outputTransform(load4(e0 + j), load4(e1 + j), load4(e2 + j), load4(e3 + j),
                                        load4(e4 + j), load4(e5 + j))
                let (r0, r1, r2, r3) = transpose(bias4 + t.0, bias4 + t.1, bias4 + t.2, bias4 + t.3)
                let q = row + 4 * j
                store4(r0, q)
                store4(r1, q + 4)
                store4(r2, q + 8)
                store4(r3, q + 12)
                j += 4
            }
            while j < full {
                tileRow(j, row + 4 * j)
                j += 1
            }
            if full < n {
                tileRow(full, partial)
                (row + 4 * full).update(from: partial, count: columns - 4 * full)
            }
        }
    }
}
