package dev.tandem.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.Deserializers;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.module.SimpleSerializers;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * Jackson's binding of every {@link ConfigEnum}: written as {@link ConfigEnum#key()}, read through {@link Check#enumOf},
 * so that no enum repeats a {@code @JsonValue} / {@code @JsonCreator} pair. A value that is no constant fails with a
 * {@link ValueInstantiationException} caused by the {@link ConfigException} that lists the choices, which
 * {@link ConfigLoader} reports under the key ({@code train.optimizer: 'adamw' is not one of [adam, sgd, adagrad]}).
 */
public final class ConfigEnumModule extends SimpleModule {
  public ConfigEnumModule() {
    super("tandem-config-enums");
  }

  @Override
  public void setupModule(SetupContext context) {
    super.setupModule(context);
    SimpleSerializers writers = new SimpleSerializers();
    writers.addSerializer(ConfigEnum.class, new Writer());
    context.addSerializers(writers);
    context.addDeserializers(new Deserializers.Base() {
      @Override
      public JsonDeserializer<?> findEnumDeserializer(Class<?> type, DeserializationConfig config, BeanDescription beanDesc) {
        return ConfigEnum.class.isAssignableFrom(type) ? new Reader(type) : null;
      }
    });
  }

  private static final class Writer extends StdSerializer<ConfigEnum> {
    Writer() {
      super(ConfigEnum.class);
    }

    @Override
    public void serialize(ConfigEnum value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeString(value.key());
    }
  }

  private static final class Reader extends StdScalarDeserializer<Object> {
    private final Class<?> type;

    Reader(Class<?> type) {
      super(type);
      this.type = type;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.currentToken().isScalarValue()) {
        return ctxt.handleUnexpectedToken(type, p);
      }
      String text = p.getText(); // a number or a boolean is read as its text, and then refused as no constant
      try {
        return Check.enumOf((Enum[]) type.getEnumConstants(), text);
      } catch (ConfigException e) {
        throw ValueInstantiationException.from(p, e.getMessage(), ctxt.constructType(type), e);
      }
    }
  }
}
