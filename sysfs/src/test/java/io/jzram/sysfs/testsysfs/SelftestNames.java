// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGenerator;

/** Names test methods like the selftest lists them: {@code 0014 block, fix off: writing x in different ways}. */
final class SelftestNames extends DisplayNameGenerator.Standard {

    @Override
    public String generateDisplayNameForMethod(List<Class<?>> enclosingInstanceTypes, Class<?> testClass, Method testMethod) {
        SelftestCase c = testMethod.getAnnotation(SelftestCase.class);
        Flavour f = testClass.getAnnotation(Flavour.class);
        if (c == null || f == null) {
            return super.generateDisplayNameForMethod(enclosingInstanceTypes, testClass, testMethod);
        }
        return String.format("%04d %s, fix %s: %s", TestSysfsSpec.caseId(c.value(), f.block()), f.block() ? "block" : "misc",
                f.genericFix() ? "on" : "off", c.description());
    }
}
