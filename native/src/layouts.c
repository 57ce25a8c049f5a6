/* The layouts of the number vectors TypeScript and C exchange (parameters, per-frame info, the
 * spot table's columns, the geometry vector), exported by name so a test can compare them with
 * the TypeScript side (test/native-layouts.test.ts): each entry takes its value from the enum
 * constant itself, so a reordered or extended enum shows up there instead of silently feeding
 * the wrong thresholds to a kernel. Names are the TypeScript keys. */
#include "dispersion.h"
#include "frame_codec.h"
#include "module.h"
#include "peakfinder8.h"
#include "radial_geometry.h"
#include "spot_common.h"

typedef struct {
  const char *name;
  int value;
} layout_entry;

#define END \
  { NULL, 0 }

static const layout_entry DISPERSION_PARAMS[] = {{"kx", P_KX},
                                                 {"ky", P_KY},
                                                 {"sigmaBackground", P_SIGMA_B},
                                                 {"sigmaStrong", P_SIGMA_S},
                                                 {"minLocal", P_MIN_LOCAL},
                                                 {"globalThreshold", P_GLOBAL_THRESHOLD},
                                                 {"gain", P_GAIN},
                                                 {"trustedLo", P_TRUSTED_LO},
                                                 {"trustedHi", P_TRUSTED_HI},
                                                 {"minSpotSize", P_MIN_SPOT},
                                                 {"maxSpotSize", P_MAX_SPOT},
                                                 {"maxSeparation", P_MAX_SEPARATION},
                                                 {"conn8", P_CONN8},
                                                 {"maxStrongFraction", P_MAX_STRONG_FRACTION},
                                                 {"extended", P_EXTENDED},
                                                 {"count", P_COUNT},
                                                 END};

static const layout_entry DISPERSION_INFO[] = {{"spots", I_SPOTS},
                                               {"components", I_COMPONENTS},
                                               {"strongPixels", I_STRONG},
                                               {"validPixels", I_VALID},
                                               {"validSum", I_VALID_SUM},
                                               {"saturatedPixels", I_SATURATED},
                                               {"tooManyStrong", I_TOO_MANY_STRONG},
                                               {"backgroundMean", I_BACKGROUND_MEAN},
                                               {"count", I_COUNT},
                                               END};

static const layout_entry PF8_CREATE_PARAMS[] = {
    {"minRes", PC_MIN_RES}, {"maxRes", PC_MAX_RES}, {"samplesPerBin", PC_SAMPLES_PER_BIN}, {"count", PC_COUNT}, END};

static const layout_entry PF8_PARAMS[] = {{"adcThreshold", PF_ADC},
                                          {"minSnr", PF_MIN_SNR},
                                          {"minPixCount", PF_MIN_PIX},
                                          {"maxPixCount", PF_MAX_PIX},
                                          {"localBgRadius", PF_LOCAL_BG_RADIUS},
                                          {"fast", PF_FAST},
                                          {"trustedLo", PF_TRUSTED_LO},
                                          {"trustedHi", PF_TRUSTED_HI},
                                          {"maxNumPeaks", PF_MAX_PEAKS},
                                          {"iterations", PF_ITERATIONS},
                                          {"count", PF_COUNT},
                                          END};

static const layout_entry PF8_INFO[] = {{"peaks", PI_PEAKS},
                                        {"sizedPeaks", PI_SIZED},
                                        {"validPixels", PI_VALID},
                                        {"validSum", PI_VALID_SUM},
                                        {"saturatedPixels", PI_SATURATED},
                                        {"truncated", PI_TRUNCATED},
                                        {"count", PI_COUNT},
                                        END};

static const layout_entry SPOT_COLUMNS[] = {{"x", SP_SPOT_X},
                                            {"y", SP_SPOT_Y},
                                            {"intensity", SP_SPOT_INTENSITY},
                                            {"npix", SP_SPOT_NPIX},
                                            {"max", SP_SPOT_MAX},
                                            {"snr", SP_SPOT_SNR},
                                            {"background", SP_SPOT_BACKGROUND},
                                            {"backgroundSigma", SP_SPOT_BG_SIGMA},
                                            {"stride", SP_SPOT_STRIDE},
                                            END};

static const layout_entry GEOMETRY[] = {{"width", SP_GEOM_WIDTH},
                                        {"height", SP_GEOM_HEIGHT},
                                        {"poni1", SP_GEOM_PONI1},
                                        {"poni2", SP_GEOM_PONI2},
                                        {"pixel1", SP_GEOM_PIXEL1},
                                        {"pixel2", SP_GEOM_PIXEL2},
                                        {"distance", SP_GEOM_DISTANCE},
                                        {"wavelength", SP_GEOM_WAVELENGTH},
                                        {"rot1", SP_GEOM_ROT1},
                                        {"rot2", SP_GEOM_ROT2},
                                        {"rot3", SP_GEOM_ROT3},
                                        {"count", SP_GEOM_FIELDS},
                                        END};

static napi_value layout_object(napi_env env, const layout_entry *entries) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  for (const layout_entry *e = entries; e->name; e++) {
    napi_create_int32(env, e->value, &v);
    napi_set_named_property(env, obj, e->name, v);
  }
  return obj;
}

static napi_value sp_layouts(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value all;
  napi_create_object(env, &all);
  napi_set_named_property(env, all, "dispersionParams", layout_object(env, DISPERSION_PARAMS));
  napi_set_named_property(env, all, "dispersionInfo", layout_object(env, DISPERSION_INFO));
  napi_set_named_property(env, all, "pf8CreateParams", layout_object(env, PF8_CREATE_PARAMS));
  napi_set_named_property(env, all, "pf8Params", layout_object(env, PF8_PARAMS));
  napi_set_named_property(env, all, "pf8Info", layout_object(env, PF8_INFO));
  napi_set_named_property(env, all, "spotColumns", layout_object(env, SPOT_COLUMNS));
  napi_set_named_property(env, all, "geometry", layout_object(env, GEOMETRY));
  return all;
}
SP_EXPORT("layouts", sp_layouts)

/* errorCodes() -> string[]: the codes of the codec's statuses, from the status enum itself (the
 * argument checks and shared memory add ERR_UNSUPPORTED, ERR_SHM, ERR_INTERNAL, ERR_ADDON_INIT;
 * the test finds every code the C sources name). */
static napi_value sp_error_codes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value list, v;
  napi_create_array(env, &list);
  uint32_t n = 0;
  for (int s = SP_OK + 1; s <= SP_ERR_NO_MEMORY; s++) {
    napi_create_string_utf8(env, sp_status_code((sp_status)s), NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, list, n++, v);
  }
  return list;
}
SP_EXPORT("errorCodes", sp_error_codes)
