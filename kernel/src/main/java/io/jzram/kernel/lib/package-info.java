/** lib/: parsers with the kernel's exact semantics (kstrtox, memparse). */
package io.jzram.kernel.lib;
