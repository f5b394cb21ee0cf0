package org.instructgpt.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.SparkTestSession;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A pooled checkpoint is reused until the pools are cleared, then loaded afresh. */
class ExecutorPoolsTest {
    @Test
    void clearingThePoolsDropsTheirModels() {
        String where = "embedded:tiny-gpt2";
        ModelCheckpoint.Loaded first = ModelPool.borrow(where);
        ModelPool.giveBack(where, first);
        ModelCheckpoint.Loaded again = ModelPool.borrow(where);
        assertSame(first, again, "pooled");
        ModelPool.giveBack(where, again);
        ExecutorPools.clear(JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext()));
        ModelCheckpoint.Loaded fresh = ModelPool.borrow(where);
        assertNotSame(first, fresh, "loaded again after clearing");
        ModelPool.giveBack(where, fresh);
    }
}
