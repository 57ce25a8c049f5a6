// The CBOR tags of DECTRIS stream V2, in one place for the decoder and the simulator's encoder:
// RFC 8949 date-times, RFC 8746 multi-dimensional and typed arrays (tags 64-87: 0b010_f_s_e_ll,
// float, signed, little-endian, element size), and DECTRIS's compressed byte string.
export const TAG_DATE_TIME = 0;
export const TAG_EPOCH_TIME = 1;
export const TAG_MULTI_DIM_ROW_MAJOR = 40;
export const TAG_MULTI_DIM_COLUMN_MAJOR = 1040;
export const TAG_TYPED_FIRST = 64;
export const TAG_TYPED_LAST = 87;
export const TAG_UINT16_LE = 69;
export const TAG_UINT32_LE = 70;
export const TAG_FLOAT32_LE = 85;
/** ["bslz4" | "lz4", element size, bytes]. */
export const TAG_COMPRESSED = 56500;
