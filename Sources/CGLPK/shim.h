#ifndef AUCTIONLAB_CGLPK_SHIM_H
#define AUCTIONLAB_CGLPK_SHIM_H
#include <glpk.h>
#endif
