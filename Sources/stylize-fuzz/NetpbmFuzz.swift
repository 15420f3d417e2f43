import Foundation
import ImageIO

/// Netpbm streams: reads every image of the input (through NetpbmReader, the C shim and libnetpbm),
/// checks what the reader promises, converts each to RGB, writes them all back and reads them again:
/// the same images must come back.
enum NetpbmFuzz {
    /// Images are refused above this many pixels (a 64x64 image: 16 Ki samples, 32 KB at depth 4), so that
    /// every run is cheap: libnetpbm reads, converts and writes back each sample twice, and at the 1<<17 pixels
    /// of the first version the slowest inputs (a raw PBM of 16 KB is 131072 pixels) kept the fuzzer at
    /// 150-500 executions a second. The limit check itself is fuzzed all the same (inputs over it are refused
    /// from their header); the reader's own limit (2^28) is tested in BadInputTests.
    static let maxPixels = 1 << 12

    /// Two unlinked scratch files, reused by every run: the input, and the images written back.
    static let files = (input: scratchFile(), output: scratchFile())

    static func run(_ bytes: UnsafeRawBufferPointer) {
        refill(files.input, with: bytes)
        var images: [NetpbmImage] = []
        do {
            let reader = try NetpbmReader(fileDescriptor: files.input, name: "input", maxPixels: maxPixels)
            while let image = try reader.next() {
                check(image)
                images.append(image)
            }
            FuzzCheck.require(reader.imagesRead == images.count, "imagesRead \(reader.imagesRead) != \(images.count)")
        } catch {
            FuzzCheck.require("\(error)".hasPrefix("input: "), "error without the stream's name: \(error)")
        }
        guard !images.isEmpty else { return }
        roundTrip(images)
    }

    /// What NetpbmImage documents: depth 1...4, maxval 1...65535, height*width*depth samples <= maxval.
    static func check(_ image: NetpbmImage) {
        FuzzCheck.require((1...4).contains(image.depth), "depth \(image.depth)")
        FuzzCheck.require((1...65535).contains(image.maxval), "maxval \(image.maxval)")
        FuzzCheck.require(image.width >= 1 && image.height >= 1 && image.width * image.height <= maxPixels,
                          "size \(image.width)x\(image.height)")
        FuzzCheck.require(image.samples.count == image.width * image.height * image.depth, "sample count")
        FuzzCheck.require(image.samples.allSatisfy { Int($0) <= image.maxval }, "sample above maxval \(image.maxval)")
        let rgb = image.rgb()
        FuzzCheck.require(rgb.pixels.count == image.width * image.height * 3, "rgb pixel count")
        FuzzCheck.require(rgb.pixels.allSatisfy { $0 >= 0 && $0 <= 255 }, "rgb value outside 0...255")
    }

    /// Everything read must write and read back identically.
    static func roundTrip(_ images: [NetpbmImage]) {
        let output = files.output
        FuzzCheck.require(ftruncate(output, 0) == 0 && lseek(output, 0, SEEK_SET) == 0, "cannot reset scratch file")
        do {
            let writer = try NetpbmWriter(fileDescriptor: output, name: "output")
            for image in images { try writer.write(image) }
        } catch {
            FuzzCheck.require(false, "an image that was read cannot be written: \(error)")
        }
        FuzzCheck.require(lseek(output, 0, SEEK_SET) == 0, "cannot rewind scratch file")
        do {
            let reader = try NetpbmReader(fileDescriptor: output, name: "output", maxPixels: maxPixels)
            var again: [NetpbmImage] = []
            while let image = try reader.next() { again.append(image) }
            FuzzCheck.require(again == images, "images written and read back differ")
        } catch {
            FuzzCheck.require(false, "images written cannot be read back: \(error)")
        }
    }

    static func refill(_ fd: Int32, with bytes: UnsafeRawBufferPointer) {
        FuzzCheck.require(ftruncate(fd, 0) == 0, "cannot truncate scratch file")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            FuzzCheck.require(n > 0, "cannot write scratch file")
            done += n
        }
        FuzzCheck.require(lseek(fd, 0, SEEK_SET) == 0, "cannot rewind scratch file")
    }

    /// An unlinked scratch file in memory (/dev/shm, a tmpfs, when there is one): on a disk, ftruncate and
    /// pwrite on every run could stall behind other processes' I/O past libFuzzer's 1 s timeout (seen at a
    /// load of 28 on 2 cores: an input that replays in 20 ms timed out inside ftruncate).
    static func scratchFile() -> Int32 {
        let folder = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((folder + "/stylize-fuzz-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        FuzzCheck.require(fd >= 0, "cannot create a scratch file in \(folder)")
        unlink(template)
        return fd
    }
}
