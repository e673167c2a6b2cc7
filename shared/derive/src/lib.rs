//! `#[derive(Json)]`: implements the phone's `json::Decode`, `json::Encode` and
//! `json::EncodeFields` (see `saferounds_shared::json`) from the same `#[serde(...)]` attributes
//! serde's derives read — so the two codecs cannot drift apart: a field renamed or given a
//! default for serde is renamed or defaulted for the phone.
//!
//! Understood: on a struct's field `rename = "…"`, `default`, `default = "path"`, and one
//! `flatten` (of a tagged enum); on an enum `rename_all = "snake_case" | "lowercase"`, a
//! variant's `rename = "…"`, and `tag = "…"` with or without `content = "…"` (serde's internally
//! and adjacently tagged forms, with unit, newtype and struct variants). Anything else
//! (`skip_serializing_if`, untagged enums, tuple variants…) is a compile error.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, GenericParam, LitStr, Path, parse_macro_input};

#[proc_macro_derive(Json, attributes(serde))]
pub fn derive_json(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// What the `#[serde(...)]` attributes of one item say.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    /// `Some(None)`: `#[serde(default)]`; `Some(Some(path))`: `#[serde(default = "path")]`.
    default: Option<Option<Path>>,
    tag: Option<String>,
    content: Option<String>,
    flatten: bool,
}

/// Attributes of serde that only matter to serde's own code (documentation, bounds…) and that
/// change nothing on the wire.
const NEUTRAL: &[&str] = &["bound", "deny_unknown_fields", "expecting"];

fn serde(attrs: &[Attribute]) -> syn::Result<Serde> {
    let mut out = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("rename_all") {
                out.rename_all = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("default") {
                out.default = Some(if meta.input.peek(syn::Token![=]) {
                    Some(meta.value()?.parse::<LitStr>()?.parse::<Path>()?)
                } else {
                    None
                });
            } else if meta.path.is_ident("tag") {
                out.tag = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("content") {
                out.content = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("flatten") {
                out.flatten = true;
            } else if NEUTRAL.iter().any(|n| meta.path.is_ident(n)) {
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            } else {
                return Err(meta.error(
                    "derive(Json) reads serde's rename, rename_all, default, tag, content and \
                     flatten only",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// A variant's name under `rename_all`.
fn renamed(variant: &str, rule: Option<&str>, at: &syn::Ident) -> syn::Result<String> {
    let snake = || {
        let mut s = String::new();
        for (i, c) in variant.chars().enumerate() {
            if c.is_uppercase() {
                if i > 0 {
                    s.push('_');
                }
                s.extend(c.to_lowercase());
            } else {
                s.push(c);
            }
        }
        s
    };
    match rule {
        None => Ok(variant.to_owned()),
        Some("snake_case") => Ok(snake()),
        Some("lowercase") => Ok(variant.to_lowercase()),
        Some(other) => Err(syn::Error::new(
            at.span(),
            format!("derive(Json): rename_all = \"{other}\" is not supported"),
        )),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let container = serde(&input.attrs)?;
    let generic = match input.generics.params.iter().collect::<Vec<_>>().as_slice() {
        [] => quote! {},
        [GenericParam::Type(t)] => {
            let t = &t.ident;
            quote! { <#t> }
        }
        _ => {
            return Err(syn::Error::new_spanned(
                &input.generics,
                "derive(Json): at most one type parameter",
            ));
        }
    };
    match &input.data {
        Data::Struct(s) => {
            let Fields::Named(fields) = &s.fields else {
                return Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): a struct with named fields",
                ));
            };
            if container.rename_all.is_some()
                || container.default.is_some()
                || container.tag.is_some()
            {
                return Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): rename_all, default and tag belong on fields or enums",
                ));
            }
            let fields = named(fields)?;
            match fields.iter().filter(|f| f.flatten).count() {
                0 => {
                    let list = fields.iter().map(Field::listed);
                    Ok(quote! {
                        ::saferounds_shared::json_struct!(#name #generic { #(#list),* });
                    })
                }
                1 if generic.is_empty() => Ok(flattening(name, &fields)),
                _ => Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): one flattened field, in a struct without type parameters",
                )),
            }
        }
        Data::Enum(e) => {
            if !generic.is_empty() {
                return Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): a generic enum",
                ));
            }
            let mut variants = Vec::new();
            for v in &e.variants {
                let attrs = serde(&v.attrs)?;
                let ident = &v.ident;
                let wire = match attrs.rename {
                    Some(n) => n,
                    None => renamed(&ident.to_string(), container.rename_all.as_deref(), ident)?,
                };
                let shape = match &v.fields {
                    Fields::Unit => Shape::Unit,
                    Fields::Unnamed(f) if f.unnamed.len() == 1 => Shape::Newtype {
                        option: is_option(&f.unnamed[0].ty),
                    },
                    Fields::Named(f) => {
                        let fields = named(f)?;
                        if let Some(flat) = fields.iter().find(|f| f.flatten) {
                            return Err(syn::Error::new_spanned(
                                &flat.ident,
                                "derive(Json): flatten in an enum's variant is not supported",
                            ));
                        }
                        Shape::Struct(fields)
                    }
                    Fields::Unnamed(_) => {
                        return Err(syn::Error::new_spanned(
                            ident,
                            "derive(Json): tuple variants are not supported",
                        ));
                    }
                };
                variants.push(Variant {
                    ident: ident.clone(),
                    wire: LitStr::new(&wire, ident.span()),
                    shape,
                });
            }
            match (&container.tag, &container.content) {
                (None, None) => {
                    if let Some(v) = variants.iter().find(|v| !matches!(v.shape, Shape::Unit)) {
                        return Err(syn::Error::new_spanned(
                            &v.ident,
                            "derive(Json): an untagged enum of unit variants only; \
                             tag the enum (#[serde(tag = …)])",
                        ));
                    }
                    let list = variants.iter().map(|v| {
                        let (ident, wire) = (&v.ident, &v.wire);
                        quote! { #ident: #wire }
                    });
                    Ok(quote! {
                        ::saferounds_shared::json_unit_enum!(#name { #(#list),* });
                    })
                }
                (Some(tag), content) => Ok(tagged(name, tag, content.as_deref(), &variants)),
                (None, Some(_)) => Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): content without tag",
                )),
            }
        }
        Data::Union(_) => Err(syn::Error::new_spanned(
            name,
            "derive(Json): not for unions",
        )),
    }
}

/// A named field and what serde's attributes say of it.
struct Field {
    ident: syn::Ident,
    ty: syn::Type,
    key: String,
    rename: Option<String>,
    default: Option<Option<Path>>,
    flatten: bool,
}

impl Field {
    /// The field as `json_struct!` lists it: `name [: "key"] [= default]`.
    fn listed(&self) -> Tokens {
        let field = &self.ident;
        let key = self.rename.as_ref().map(|n| {
            let n = LitStr::new(n, field.span());
            quote! { : #n }
        });
        let default = self.default.as_ref().map(|d| match d {
            None => quote! { = ::core::default::Default::default() },
            Some(path) => quote! { = #path() },
        });
        quote! { #field #key #default }
    }
}

fn named(fields: &syn::FieldsNamed) -> syn::Result<Vec<Field>> {
    let mut out = Vec::new();
    for f in &fields.named {
        let ident = f.ident.clone().expect("named");
        let attrs = serde(&f.attrs)?;
        if attrs.rename_all.is_some() || attrs.tag.is_some() || attrs.content.is_some() {
            return Err(syn::Error::new_spanned(
                ident,
                "derive(Json): rename_all, tag and content belong on an enum",
            ));
        }
        if attrs.flatten && (attrs.rename.is_some() || attrs.default.is_some()) {
            return Err(syn::Error::new_spanned(
                ident,
                "derive(Json): a flattened field has no key to rename or default",
            ));
        }
        out.push(Field {
            key: attrs.rename.clone().unwrap_or_else(|| ident.to_string()),
            ident,
            ty: f.ty.clone(),
            rename: attrs.rename,
            default: attrs.default,
            flatten: attrs.flatten,
        });
    }
    Ok(out)
}

/// A struct with one flattened field: its own fields are read by a struct of them alone, the
/// flattened value from the same object (each skips the other's keys); written in the order
/// of the fields, the flattened value's keys in its place — as serde does.
fn flattening(name: &syn::Ident, fields: &[Field]) -> Tokens {
    let own: Vec<&Field> = fields.iter().filter(|f| !f.flatten).collect();
    let flat = fields
        .iter()
        .find(|f| f.flatten)
        .expect("one flattened field");
    let (own_idents, own_types): (Vec<_>, Vec<_>) = own.iter().map(|f| (&f.ident, &f.ty)).unzip();
    let listed = own.iter().map(|f| f.listed());
    let (flat_ident, flat_ty) = (&flat.ident, &flat.ty);
    let writes = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.flatten {
            quote! { ::saferounds_shared::json::EncodeFields::encode_fields(&self.#ident, w, first); }
        } else {
            let key = &f.key;
            quote! {
                w.key(first, #key);
                ::saferounds_shared::json::Encode::encode(&self.#ident, w);
            }
        }
    });
    quote! {
        const _: () = {
            struct OwnFields { #(#own_idents: #own_types),* }
            ::saferounds_shared::json_struct!(OwnFields { #(#listed),* });
            impl ::saferounds_shared::json::Decode for #name {
                fn decode(
                    r: &mut ::saferounds_shared::json::Reader<'_>,
                ) -> ::saferounds_shared::json::Result<Self> {
                    let (own, #flat_ident) =
                        ::saferounds_shared::json::flattened::<OwnFields, #flat_ty>(r)?;
                    Ok(#name { #(#own_idents: own.#own_idents,)* #flat_ident })
                }
            }
            impl ::saferounds_shared::json::EncodeFields for #name {
                fn encode_fields(&self, w: &mut ::saferounds_shared::json::Writer, first: &mut bool) {
                    #(#writes)*
                }
            }
            impl ::saferounds_shared::json::Encode for #name {
                fn encode(&self, w: &mut ::saferounds_shared::json::Writer) {
                    ::saferounds_shared::json::object(self, w);
                }
            }
        };
    }
}

/// Whether a type is written `Option<…>`.
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

enum Shape {
    Unit,
    /// One value; `option`: an `Option`, read as `None` where the content is absent.
    Newtype {
        option: bool,
    },
    Struct(Vec<Field>),
}

struct Variant {
    ident: syn::Ident,
    wire: LitStr,
    shape: Shape,
}

/// A tagged enum: `{tag: name, content: value}` (adjacent, `content` given) or `{tag: name,
/// fields…}` (internal). The tag is read as a generated enum of unit variants (`<Name>Tag`);
/// a struct variant's fields as a generated struct (`<Name><Variant>`).
fn tagged(name: &syn::Ident, tag: &str, content: Option<&str>, variants: &[Variant]) -> Tokens {
    let j = quote! { ::saferounds_shared::json };
    let kind = syn::Ident::new(&format!("{name}Tag"), name.span());
    let kinds = variants.iter().map(|v| &v.ident);
    let kinds_listed = variants.iter().map(|v| {
        let (ident, wire) = (&v.ident, &v.wire);
        quote! { #ident: #wire }
    });
    let payload = |v: &Variant| syn::Ident::new(&format!("{name}{}", v.ident), v.ident.span());
    let payloads = variants.iter().filter_map(|v| match &v.shape {
        Shape::Struct(fields) => {
            let p = payload(v);
            let (idents, types): (Vec<_>, Vec<_>) =
                fields.iter().map(|f| (&f.ident, &f.ty)).unzip();
            let listed = fields.iter().map(Field::listed);
            Some(quote! {
                struct #p { #(#idents: #types),* }
                ::saferounds_shared::json_struct!(#p { #(#listed),* });
            })
        }
        _ => None,
    });
    let reads = variants.iter().map(|v| {
        let ident = &v.ident;
        match &v.shape {
            Shape::Unit => quote! { #kind::#ident => #j::unit(r, #name::#ident) },
            Shape::Newtype { .. } => {
                quote! { #kind::#ident => Ok(#name::#ident(#j::Decode::decode(r)?)) }
            }
            Shape::Struct(fields) => {
                let p = payload(v);
                let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
                quote! {
                    #kind::#ident => {
                        let p = <#p as #j::Decode>::decode(r)?;
                        Ok(#name::#ident { #(#idents: p.#idents),* })
                    }
                }
            }
        }
    });
    // serde's reading of a variant whose content is absent: a unit variant is itself, a newtype
    // of an `Option` is `None`, any other variant is an error.
    let absents = variants.iter().filter_map(|v| {
        let ident = &v.ident;
        match &v.shape {
            Shape::Unit => Some(quote! { #kind::#ident => Ok(#name::#ident), }),
            Shape::Newtype { option: true } => {
                Some(quote! { #kind::#ident => Ok(#name::#ident(None)), })
            }
            _ => None,
        }
    });
    let decode = match content {
        Some(content) => quote! {
            #[allow(unreachable_patterns, reason = "every variant may read without content")]
            fn absent(kind: #kind, r: &#j::Reader<'_>) -> #j::Result<#name> {
                match kind { #(#absents)* _ => Err(r.missing(#content)) }
            }
            #j::adjacent(r, #tag, #content, read, absent)
        },
        None => quote! { #j::internal(r, #tag, read) },
    };
    let writes = variants.iter().map(|v| {
        let (ident, wire) = (&v.ident, &v.wire);
        let head = quote! { w.key(first, #tag); w.string(#wire); };
        match (&v.shape, content) {
            (Shape::Unit, _) => quote! { #name::#ident => { #head } },
            (Shape::Newtype { .. }, Some(content)) => quote! {
                #name::#ident(v) => { #head w.key(first, #content); #j::Encode::encode(v, w); }
            },
            (Shape::Newtype { .. }, None) => quote! {
                #name::#ident(v) => { #head #j::EncodeFields::encode_fields(v, w, first); }
            },
            (Shape::Struct(fields), content) => {
                let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
                let keys = fields.iter().map(|f| &f.key);
                let body = quote! { #(w.key(first, #keys); #j::Encode::encode(#idents, w);)* };
                let body = match content {
                    Some(content) => quote! {
                        w.key(first, #content);
                        w.raw("{");
                        let first = &mut true;
                        #body
                        w.raw("}");
                    },
                    None => body,
                };
                quote! { #name::#ident { #(#idents),* } => { #head #body } }
            }
        }
    });
    quote! {
        const _: () = {
            #[derive(Clone, Copy)]
            enum #kind { #(#kinds),* }
            ::saferounds_shared::json_unit_enum!(#kind { #(#kinds_listed),* });
            #(#payloads)*
            impl #j::Decode for #name {
                fn decode(r: &mut #j::Reader<'_>) -> #j::Result<Self> {
                    fn read(kind: #kind, r: &mut #j::Reader<'_>) -> #j::Result<#name> {
                        match kind { #(#reads),* }
                    }
                    #decode
                }
            }
            impl #j::EncodeFields for #name {
                fn encode_fields(&self, w: &mut #j::Writer, first: &mut bool) {
                    match self { #(#writes)* }
                }
            }
            impl #j::Encode for #name {
                fn encode(&self, w: &mut #j::Writer) {
                    #j::object(self, w);
                }
            }
        };
    }
}
