#ifndef C_LIB_DEFLATE_SHIM_H
#define C_LIB_DEFLATE_SHIM_H

// libdeflate's CRC-32 picks a PCLMULQDQ/AVX implementation at run time (about 5x the table-driven one here).
#include <libdeflate.h>

#endif
