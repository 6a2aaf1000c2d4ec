// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.block;

import java.nio.file.OpenOption;
import java.util.Optional;

/**
 * O_DIRECT for opening a real block device (the machine's own zram, which the real-kernel tests
 * compare against): the JDK offers it only as the JDK-specific {@code ExtendedOpenOption.DIRECT},
 * which is looked up here at run time rather than compiled against, so the build stays free of
 * the "internal proprietary API" warning on every JDK. Stateless.
 */
public final class DirectIo {
    private DirectIo() {
    }

    /**
     * The O_DIRECT open option.
     *
     * @return the option, or empty on a JDK that does not offer it
     */
    public static Optional<OpenOption> option() {
        try {
            Class<?> c = Class.forName("com.sun.nio.file.ExtendedOpenOption");
            return Optional.of((OpenOption) c.getField("DIRECT").get(null));
        } catch (ReflectiveOperationException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /**
     * The O_DIRECT open option, required.
     *
     * @return the option
     * @throws UnsupportedOperationException on a JDK without it
     */
    public static OpenOption require() {
        return option().orElseThrow(() -> new UnsupportedOperationException("this JDK has no O_DIRECT open option"));
    }
}
