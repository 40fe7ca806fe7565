//! The eCom resources the emulator serves: paths, envelope keys, fields and their types.
//!
//! Field lists follow `reference/ecom-api.md` §3 and the fixtures' live shapes. Every record
//! stores all its fields (defaults filled on create), so rendering only turns relation ids into
//! resource links and picks the language of translatable texts.

use serde_json::Value;

/// A served resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Product,
    Variant,
    ProductImage,
    Category,
    CategoriesProduct,
    Brand,
    /// `suppliers`. The reference (§2) lists the resource (CRUD, envelope `supplier`) but no
    /// fields, so this field list is uncertain: `id`, `createdAt`, `updatedAt` and `title` (the
    /// supplier's name, one for every language) are what seems certain. The address fields a
    /// third-party client lists (street, zip code, city, country...) are not emulated.
    Supplier,
    Type,
    Attribute,
    TypesAttribute,
    Tag,
    TagsProduct,
    Webhook,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Product,
        Kind::Variant,
        Kind::ProductImage,
        Kind::Category,
        Kind::CategoriesProduct,
        Kind::Brand,
        Kind::Supplier,
        Kind::Type,
        Kind::Attribute,
        Kind::TypesAttribute,
        Kind::Tag,
        Kind::TagsProduct,
        Kind::Webhook,
    ];

    /// The order seed data is loaded in: what a record links to comes first.
    pub const LOAD_ORDER: [Kind; 13] = [
        Kind::Brand,
        Kind::Supplier,
        Kind::Type,
        Kind::Attribute,
        Kind::Tag,
        Kind::Category,
        Kind::Product,
        Kind::Variant,
        Kind::ProductImage,
        Kind::CategoriesProduct,
        Kind::TypesAttribute,
        Kind::TagsProduct,
        Kind::Webhook,
    ];

    /// The position of the resource in [`Kind::ALL`] (its table).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The path pattern; `{p}` is the parent product's id.
    pub fn pattern(self) -> &'static [&'static str] {
        match self {
            Kind::Product => &["products"],
            Kind::Variant => &["variants"],
            Kind::ProductImage => &["products", "{p}", "images"],
            Kind::Category => &["categories"],
            Kind::CategoriesProduct => &["categories", "products"],
            Kind::Brand => &["brands"],
            Kind::Supplier => &["suppliers"],
            Kind::Type => &["types"],
            Kind::Attribute => &["attributes"],
            Kind::TypesAttribute => &["types", "attributes"],
            Kind::Tag => &["tags"],
            Kind::TagsProduct => &["tags", "products"],
            Kind::Webhook => &["webhooks"],
        }
    }

    /// The name used in seed and dump documents (`products`, `categories_products`).
    pub fn seed_name(self) -> &'static str {
        match self {
            Kind::Product => "products",
            Kind::Variant => "variants",
            Kind::ProductImage => "product_images",
            Kind::Category => "categories",
            Kind::CategoriesProduct => "categories_products",
            Kind::Brand => "brands",
            Kind::Supplier => "suppliers",
            Kind::Type => "types",
            Kind::Attribute => "attributes",
            Kind::TypesAttribute => "types_attributes",
            Kind::Tag => "tags",
            Kind::TagsProduct => "tags_products",
            Kind::Webhook => "webhooks",
        }
    }

    /// The singular envelope key.
    pub fn single(self) -> &'static str {
        match self {
            Kind::Product => "product",
            Kind::Variant => "variant",
            Kind::ProductImage => "productImage",
            Kind::Category => "category",
            Kind::CategoriesProduct => "categoriesProduct",
            Kind::Brand => "brand",
            Kind::Supplier => "supplier",
            Kind::Type => "type",
            Kind::Attribute => "attribute",
            Kind::TypesAttribute => "typesAttribute",
            Kind::Tag => "tag",
            Kind::TagsProduct => "tagsProduct",
            Kind::Webhook => "webhook",
        }
    }

    /// The plural envelope key.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Product => "products",
            Kind::Variant => "variants",
            Kind::ProductImage => "productImages",
            Kind::Category => "categories",
            Kind::CategoriesProduct => "categoriesProducts",
            Kind::Brand => "brands",
            Kind::Supplier => "suppliers",
            Kind::Type => "types",
            Kind::Attribute => "attributes",
            Kind::TypesAttribute => "typesAttributes",
            Kind::Tag => "tags",
            Kind::TagsProduct => "tagsProducts",
            Kind::Webhook => "webhooks",
        }
    }

    /// The key a create is answered with: `POST types/attributes.json` answers with the plural
    /// key although GET answers with the singular one (observed live).
    pub fn created_key(self) -> &'static str {
        match self {
            Kind::TypesAttribute => "typesAttributes",
            k => k.single(),
        }
    }

    /// A name for messages (`Invalid variant title`).
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Product => "product",
            Kind::Variant => "variant",
            Kind::ProductImage => "product image",
            Kind::Category => "category",
            Kind::CategoriesProduct => "category product",
            Kind::Brand => "brand",
            Kind::Supplier => "supplier",
            Kind::Type => "type",
            Kind::Attribute => "attribute",
            Kind::TypesAttribute => "type attribute",
            Kind::Tag => "tag",
            Kind::TagsProduct => "tag product",
            Kind::Webhook => "webhook",
        }
    }

    /// Whether `PUT` is allowed (link resources have no update).
    pub fn updatable(self) -> bool {
        !matches!(
            self,
            Kind::CategoriesProduct | Kind::TypesAttribute | Kind::TagsProduct
        )
    }

    /// Whether records carry `createdAt` / `updatedAt` (types, attributes and links do not).
    pub fn timestamps(self) -> bool {
        !matches!(
            self,
            Kind::Type
                | Kind::Attribute
                | Kind::TypesAttribute
                | Kind::CategoriesProduct
                | Kind::TagsProduct
        )
    }

    /// The webhook item group whose events this resource fires.
    pub fn item_group(self) -> Option<&'static str> {
        match self {
            Kind::Product => Some("products"),
            Kind::Variant => Some("variants"),
            _ => None,
        }
    }

    /// Fields required on create.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Kind::Product
            | Kind::Category
            | Kind::Brand
            | Kind::Supplier
            | Kind::Type
            | Kind::Attribute
            | Kind::Tag => &["title"],
            Kind::Variant => &["product"],
            Kind::ProductImage => &["attachment"],
            Kind::CategoriesProduct => &["category", "product"],
            Kind::TypesAttribute => &["type", "attribute"],
            Kind::TagsProduct => &["tag", "product"],
            Kind::Webhook => &["itemGroup", "itemAction", "address"],
        }
    }

    /// List filters: query parameter → relation field.
    pub fn filters(self) -> &'static [&'static str] {
        match self {
            Kind::Product => &["brand", "type", "supplier"],
            Kind::Variant => &["product"],
            Kind::Category => &["parent"],
            Kind::CategoriesProduct => &["product", "category"],
            Kind::TypesAttribute => &["type", "attribute"],
            Kind::TagsProduct => &["tag", "product"],
            _ => &[],
        }
    }

    /// The stored fields, their types and defaults.
    pub fn fields(self) -> &'static [(&'static str, Ty)] {
        use Ty::*;
        match self {
            Kind::Product => &[
                ("visibility", Enum(&["visible", "hidden", "auto"])),
                ("data01", Text("")),
                ("data02", Text("")),
                ("data03", Text("")),
                ("url", Slug),
                ("title", Tr),
                ("fulltitle", Tr),
                ("description", Tr),
                ("content", Tr),
                ("set", Rel("sets")),
                ("brand", Rel("brands")),
                ("deliverydate", Rel("deliverydates")),
                ("type", Rel("types")),
                ("supplier", Rel("suppliers")),
            ],
            Kind::Variant => &[
                ("isDefault", Bool(false)),
                ("sortOrder", Int(1)),
                ("articleCode", Text("")),
                ("ean", Text("")),
                ("sku", Text("")),
                ("hs", NullText),
                ("unitPrice", Dec),
                ("unitUnit", Text("")),
                ("priceExcl", Dec),
                ("priceIncl", Dec),
                ("priceCost", Dec),
                ("oldPriceExcl", Dec),
                ("oldPriceIncl", Dec),
                ("stockTracking", Enum(&["disabled", "enabled", "indicator"])),
                ("stockLevel", Int(0)),
                ("stockAlert", Int(0)),
                ("stockMinimum", Int(0)),
                ("stockSold", ReadOnly(Int0)),
                ("stockBuyMinimum", Int(1)),
                ("stockBuyMaximum", Int(10000)),
                ("weight", Int(0)),
                ("weightValue", DecText),
                ("weightUnit", Enum(&["g", "kg", "oz", "lb"])),
                ("volume", Int(0)),
                ("volumeValue", Dec),
                ("volumeUnit", Enum(&["ml", "l", "fl_oz"])),
                ("colli", Int(1)),
                ("sizeX", Int(0)),
                ("sizeY", Int(0)),
                ("sizeZ", Int(0)),
                ("sizeXValue", DecText),
                ("sizeYValue", DecText),
                ("sizeZValue", DecText),
                ("sizeUnit", Enum(&["cm", "in"])),
                ("title", Tr),
                ("taxType", NullText),
                ("image", File),
                ("tax", Rel("taxes")),
                ("product", CreateOnly(&Rel("products"))),
            ],
            Kind::ProductImage => &[
                ("sortOrder", Int(0)),
                ("extension", ReadOnly(Text0)),
                ("size", ReadOnly(Int0)),
                ("title", ReadOnly(Text0)),
                ("thumb", ReadOnly(Text0)),
                ("src", ReadOnly(Text0)),
            ],
            Kind::Category => &[
                ("isVisible", Bool(true)),
                ("type", Enum(&["category", "index", "textpage"])),
                ("sortOrder", Int(1)),
                ("sorting", Text("popular")),
                ("url", Slug),
                ("title", Tr),
                ("fulltitle", Tr),
                ("description", Tr),
                ("content", Tr),
                ("image", File),
                ("parent", Rel("categories")),
            ],
            Kind::CategoriesProduct => &[
                ("sortOrder", Int(1)),
                ("category", Rel("categories")),
                ("product", Rel("products")),
            ],
            Kind::Brand => &[
                ("isVisible", Bool(true)),
                ("url", Slug),
                ("title", Tr),
                ("content", TrOrFalse),
                ("image", File),
            ],
            Kind::Supplier => &[("title", Text(""))],
            Kind::Type => &[("title", Tr)],
            Kind::Attribute => &[("title", Tr), ("defaultValue", Text(""))],
            Kind::TypesAttribute => &[
                ("sortOrder", NullInt),
                ("type", Rel("types")),
                ("attribute", Rel("attributes")),
            ],
            Kind::Tag => &[("isVisible", Bool(true)), ("url", Slug), ("title", Tr)],
            Kind::TagsProduct => &[("tag", Rel("tags")), ("product", Rel("products"))],
            Kind::Webhook => &[
                ("isActive", Bool(true)),
                (
                    "itemGroup",
                    Enum(&[
                        "customers",
                        "invoices",
                        "orders",
                        "products",
                        "quotes",
                        "reviews",
                        "returns",
                        "shipments",
                        "subscriptions",
                        "tickets",
                        "variants",
                        "contacts",
                    ]),
                ),
                (
                    "itemAction",
                    Enum(&[
                        "*", "created", "updated", "deleted", "paid", "shipped", "answered",
                    ]),
                ),
                ("language", LangRef),
                ("format", Enum(&["json", "xml"])),
                ("address", Text("")),
            ],
        }
    }
}

/// A field's type, default and write rule.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    /// Text, with its default.
    Text(&'static str),
    /// Text, `null` by default.
    NullText,
    /// An integer, with its default.
    Int(i64),
    /// An integer, `null` by default.
    NullInt,
    /// A decimal written as a JSON number (`0` by default).
    Dec,
    /// A decimal written as text with three decimals (`"0.000"`).
    DecText,
    /// A boolean, with its default.
    Bool(bool),
    /// One of these values; the first is the default.
    Enum(&'static [&'static str]),
    /// A to-one relation to the resource at this path: written as an id, read as a resource
    /// link, `false` when none.
    Rel(&'static str),
    /// A file (`image`): written as `{"attachment", "filename"}`, read as a file object,
    /// `false` when none.
    File,
    /// A translatable text (per language).
    Tr,
    /// A translatable text that reads `false` when none (brand `content`).
    TrOrFalse,
    /// A slug made from the title when not given; shared by all languages.
    Slug,
    /// A language, written as a code, read as `{id, code, locale, title}`.
    LangRef,
    /// Written only on create.
    CreateOnly(&'static Ty),
    /// Never written by clients.
    ReadOnly(RoDefault),
}

/// Defaults of read-only fields.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RoDefault {
    Int0,
    Text0,
}

use RoDefault::*;

impl Ty {
    /// The stored default.
    pub fn default_value(self) -> Value {
        match self {
            Ty::Text(s) => Value::from(s),
            Ty::NullText | Ty::NullInt => Value::Null,
            Ty::Int(i) => Value::from(i),
            Ty::Dec => Value::from(0),
            Ty::DecText => Value::from("0.000"),
            Ty::Bool(b) => Value::Bool(b),
            Ty::Enum(values) => Value::from(values[0]),
            Ty::Rel(_) | Ty::File | Ty::TrOrFalse => Value::Bool(false),
            Ty::Tr | Ty::Slug => Value::from(""),
            Ty::LangRef => Value::Null,
            Ty::CreateOnly(inner) => inner.default_value(),
            Ty::ReadOnly(Int0) => Value::from(0),
            Ty::ReadOnly(Text0) => Value::from(""),
        }
    }

    /// Whether the field is stored per language.
    pub fn translatable(self) -> bool {
        matches!(self, Ty::Tr | Ty::TrOrFalse)
    }
}
