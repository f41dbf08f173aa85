/**
 * The core shared by the service (`functions/`) and the offline pipeline (`scripts/`): the model
 * card, image decoding, preprocessing, the domain statistics, the answer rule, the ONNX runner and
 * the audit-trail records. Both sides import this entry and nothing else under `model/core/`;
 * neither imports the other. Nothing here knows about HTTP: errors carry machine-readable codes
 * (`ImageDecodeError.code`, `ModelCardError`) that the service maps to status codes in one place.
 *
 * @example From bytes to the service's answer, with the committed default model
 * ```ts
 * import { answer, decodeImage, imageStats, loadModelFile, normalizeToTensor, toFloatRgb } from "./mod.ts";
 *
 * const runtime = await loadModelFile("model/all-v4.int8.onnx");
 * const { card } = runtime;
 * const image = await decodeImage(await Deno.readFile("tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg"));
 * const resized = toFloatRgb(image, card.preprocess);
 * const { logit, subtypeLogits } = await runtime.run(normalizeToTensor(resized, card.preprocess, "NCHW"));
 * const result = answer(card, logit, imageStats(resized), subtypeLogits);
 * if (result.decision !== "all") throw new Error(`expected "all", got ${result.decision}`);
 * await runtime.close();
 * ```
 *
 * @module
 */

// The model card: the contract between the pipeline (writes it) and the service (reads it).
export {
  type CamGrid,
  type ColorNormalization,
  decide,
  type Decision,
  type DomainCheck,
  domainCheckProblem,
  type FeatureDomainCheck,
  type Label,
  type MetricValue,
  type ModelCard,
  ModelCardError,
  type ModelIO,
  parseModelCard,
  type PreprocessSpec,
  preprocessSpecProblem,
  probabilityFromLogit,
} from "./card/card.ts";
export { buildModelCard, type ModelCardFields } from "./card/build.ts";
export { cardPathFor, DEFAULT_MODEL } from "./card/default.ts";

// Image decoding (BMP, PNG, JPEG, TIFF) into 8-bit RGBA, bounded by the declared size.
export {
  type DecodedImage,
  decodeImage,
  type DecodeOptions,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MIN_SIDE,
} from "./image/decode.ts";
export { ImageDecodeError, type ImageErrorCode } from "./image/errors.ts";
export { readBmpHeader } from "./image/header.ts";
export { decodePng } from "./image/png.ts";
export { encodeBmp } from "./image/bmp_encode.ts";
export { sniffFormat } from "./image/sniff.ts";

// Preprocessing: one copy for training and serving.
export {
  areaWeights,
  BACKGROUND_FRACTION,
  cropRect,
  fromWorkingSize,
  imageStats,
  normalizeToTensor,
  preprocess,
  toFloatRgb,
  toGrey,
  toRelativeChroma,
} from "./preprocess/preprocess.ts";
export { hsvToRgb, luma, LUMA_WEIGHTS, rgbToHsv } from "./preprocess/colour.ts";
export { isBrightFraction, whiteBalance, whitePoint } from "./preprocess/white_balance.ts";
export { redCellRadius, RULER_MIN_PEAKS, RULER_RADIUS_RANGE, type RulerReading } from "./preprocess/ruler.ts";
export {
  fitStainReference,
  normalizeStains,
  type StainEstimate,
  stainEstimate,
  type StainNormalization,
  type StainVector,
} from "./preprocess/stain.ts";
export {
  normalizeScale,
  resampleWindow,
  type ScaleNormalization,
  scaleZoom,
  type ZoomWindow,
  zoomWindow,
} from "./preprocess/scale.ts";
export type { FloatRgbImage, ImageFormat, Layout, RgbaImage } from "./preprocess/types.ts";

// The answer: scores, label, decision and reasons from the card, the logit, the image's statistics
// and (for a card with a feature check) the model's pooled features.
export { type Answer, answer, type AnswerCard, serviceDecision } from "./answer/answer.ts";
export { checkDomain, featureDistance } from "./answer/domain.ts";
export { answerResized, type ResizedScore, scoreResized } from "./answer/batch.ts";
export { score, type Scored, softmax } from "./answer/scores.ts";

// Running ONNX models.
export {
  type BatchOutputs,
  type CamMap,
  createModelRuntime,
  FEATURES_OUTPUT,
  featuresOutputOf,
  loadModelFile,
  type ModelOutputs,
  type ModelRuntime,
  type RunOptions,
  type RuntimeOptions,
} from "./onnx/runtime.ts";
export {
  createSession,
  isQdqModel,
  type OnnxBackend,
  type OnnxSession,
  type OnnxTensor,
  type OptimizationLevel,
  runModel,
  type SessionOptions,
} from "./onnx/session.ts";
export { compileOrtWasm } from "./onnx/ort_web.ts";
export { getWasmModule, registerWasmModule } from "./wasm/assets.ts";

// Locating the cells of a smear field (classical: stain, threshold, morphology, watershed).
export {
  DEFAULT_LOCATE_OPTIONS,
  locateCells,
  type LocatedCell,
  type LocateOptions,
  type LocateResult,
} from "./cells/locate.ts";
export { cropCell, type CropOptions, cropSide, DEFAULT_CROP_OPTIONS } from "./cells/crop.ts";
export { type CellSummary, DEFAULT_MAX_CELLS, summarizeCells, type SummaryContext } from "./cells/summary.ts";
export { type Box, labelComponents } from "./cells/components.ts";
export { floatRgbOf } from "./cells/rgb.ts";
export { HED_FROM_OD, RUIFROK_HED, STAIN_FEATURES, type StainFeature, stainMap } from "./cells/stain.ts";

// The audit trail's records (the service exports them, the pipeline ingests them).
export type { FeedbackRecord, PredictionRecord } from "./feedback/records.ts";

// Small shared utilities.
export { type Rng, seededRandom } from "./util/random.ts";
export { sha256Hex } from "./util/sha256.ts";
