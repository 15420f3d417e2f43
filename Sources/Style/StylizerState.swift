import ImageIO

/// Where `Stylizer.run` is between two optimizer steps: enough to continue it (`StylizerCheckpoint.resume`)
/// and end with the same bytes as the run that was not interrupted.
public struct StylizerState: Sendable, Equatable {
    /// The stage under way, 0-based, counting only the stages that run (a coarse stage too small for the
    /// network is skipped on both sides, as it depends only on the sizes).
    public var stage: Int
    /// Evaluations made by the stages before it.
    public var evaluations: Int
    /// Those stages, as the summary reports them.
    public var ran: [Stage]
    /// The result of the stage before (this stage started from it, upsampled); nil in the first stage, whose
    /// start is made again from the content, `--init` or the warm start.
    public var previousResult: RGBImage?
    /// The optimizer's state in this stage.
    public var optimizer: OptimizerState

    public init(stage: Int, evaluations: Int, ran: [Stage], previousResult: RGBImage?, optimizer: OptimizerState) {
        self.stage = stage
        self.evaluations = evaluations
        self.ran = ran
        self.previousResult = previousResult
        self.optimizer = optimizer
    }
}

/// How `Stylizer.run` takes part in checkpoints: where to resume (nil: from the start), whether a state is
/// wanted after an optimizer step (`due`, given the image's evaluations so far: the caller's policy,
/// `--checkpoint-every`; asked once per step), and what to do with it (`save`). A state is built only when
/// due: with a paged L-BFGS history (`HistoryStorage.file`) building one reads the history into memory.
public struct StylizerCheckpoint {
    public var resume: StylizerState?
    public var due: (Int) -> Bool
    public var save: (StylizerState) throws -> Void

    public init(resume: StylizerState?, due: @escaping (Int) -> Bool = { _ in true },
                save: @escaping (StylizerState) throws -> Void) {
        self.resume = resume
        self.due = due
        self.save = save
    }
}

extension StylizerState {
    /// Refuses a state that does not fit `stages` (the sizes and evaluations of the stages that run), so that a
    /// damaged checkpoint is an error rather than a crash: the stage must exist, the previous result must have the
    /// previous stage's size (and be absent in the first stage), and the optimizer's vectors this stage's pixels.
    func check(stages: [(width: Int, height: Int)]) throws {
        guard stage < stages.count else { throw StyleError.checkpointState("stage \(stage + 1) of \(stages.count)") }
        if stage > 0 {
            let size = stages[stage - 1]
            guard let previous = previousResult, previous.width == size.width, previous.height == size.height else {
                throw StyleError.checkpointState("the previous stage's result is not \(size.width)x\(size.height)")
            }
        } else if previousResult != nil {
            throw StyleError.checkpointState("a previous stage's result in the first stage")
        }
        let count = stages[stage].width * stages[stage].height * 3
        let length = switch optimizer {
        case .lbfgs(let state): state.point.count
        case .adam(let state): state.point.count
        }
        guard length == count else {
            throw StyleError.checkpointState("\(length) values in the optimizer's state for a \(stages[stage].width)x\(stages[stage].height) stage")
        }
    }
}

extension OptimizerState {
    var lbfgs: LBFGSState? {
        if case .lbfgs(let state) = self { state } else { nil }
    }

    var adam: AdamState? {
        if case .adam(let state) = self { state } else { nil }
    }
}
