package org.instructgpt.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;

/**
 * Spark's Kryo (4.x) cannot build its field serializer for Java records ("can't get field offset on a record
 * class"), so every record, ours and the JDK's, goes through Java serialization inside Kryo. Set as
 * {@code spark.kryo.registrator} in reference.conf.
 */
public final class KryoRegistrator implements org.apache.spark.serializer.KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    }
}
