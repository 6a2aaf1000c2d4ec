// SPDX-License-Identifier: GPL-2.0-only
/** lib/: parsers with the kernel's exact semantics (kstrtox, memparse). */
package io.jzram.kernel.lib;
