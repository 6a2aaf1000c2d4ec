// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.ToIntBiFunction;

/** Test ops: a show and a store given as functions, recording every store call's bytes. */
final class FnOps implements KernfsOps {
    private final ToIntBiFunction<KernfsOpenFile, PageBuffer> show;
    private final Function<String, Integer> store;
    final List<String> stores = new CopyOnWriteArrayList<>();
    final List<Byte> terminators = new CopyOnWriteArrayList<>();
    volatile int shows;

    FnOps(ToIntBiFunction<KernfsOpenFile, PageBuffer> show, Function<String, Integer> store) {
        this.show = show;
        this.store = store;
    }

    static FnOps text(String content) {
        return new FnOps((of, page) -> page.emit(content), s -> s.length());
    }

    @Override
    public boolean hasRead() {
        return show != null;
    }

    @Override
    public boolean hasWrite() {
        return store != null;
    }

    @Override
    public int show(KernfsOpenFile of, PageBuffer page) {
        shows++;
        return show.applyAsInt(of, page);
    }

    @Override
    public int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
        String s = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        stores.add(s);
        terminators.add(buf[len]);
        return store.apply(s);
    }
}
