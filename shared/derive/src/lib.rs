//! `#[derive(Json)]`: implements the phone's `json::Decode` and `json::Encode` (see
//! `saferounds_shared::json`) for a struct with named fields or an enum of unit variants, from
//! the same `#[serde(...)]` attributes serde's derives read — so the two codecs cannot drift
//! apart: a field renamed or given a default for serde is renamed or defaulted for the phone.
//!
//! Understood: on a struct's field `rename = "…"`, `default`, `default = "path"`; on an enum
//! `rename_all = "snake_case" | "lowercase"` and a variant's `rename = "…"`. Anything else
//! (`tag`, `flatten`, `skip_serializing_if`, data-carrying variants…) is a compile error: such a
//! type's phone codec is written by hand (`saferounds_shared::wire`) and tested against serde.

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
            } else if NEUTRAL.iter().any(|n| meta.path.is_ident(n)) {
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            } else {
                return Err(meta.error(
                    "derive(Json) reads serde's rename, rename_all and default only; \
                     write this type's phone codec by hand (saferounds_shared::wire)",
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
            if container.rename_all.is_some() || container.default.is_some() {
                return Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): rename_all and default belong on fields here",
                ));
            }
            let mut list = Vec::new();
            for f in &fields.named {
                let field = f.ident.as_ref().expect("named");
                let attrs = serde(&f.attrs)?;
                if attrs.rename_all.is_some() {
                    return Err(syn::Error::new_spanned(
                        field,
                        "derive(Json): rename_all on a field",
                    ));
                }
                let key = attrs.rename.map(|n| {
                    let n = LitStr::new(&n, field.span());
                    quote! { : #n }
                });
                let default = attrs.default.map(|d| match d {
                    None => quote! { = ::core::default::Default::default() },
                    Some(path) => quote! { = #path() },
                });
                list.push(quote! { #field #key #default });
            }
            Ok(quote! {
                ::saferounds_shared::json_struct!(#name #generic { #(#list),* });
            })
        }
        Data::Enum(e) => {
            if !generic.is_empty() {
                return Err(syn::Error::new_spanned(
                    name,
                    "derive(Json): a generic enum",
                ));
            }
            let mut list = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    return Err(syn::Error::new_spanned(
                        &v.ident,
                        "derive(Json): unit variants only; a tagged enum's codec is written by hand (saferounds_shared::wire)",
                    ));
                }
                let attrs = serde(&v.attrs)?;
                let ident = &v.ident;
                let wire = match attrs.rename {
                    Some(n) => n,
                    None => renamed(&ident.to_string(), container.rename_all.as_deref(), ident)?,
                };
                let wire = LitStr::new(&wire, ident.span());
                list.push(quote! { #ident: #wire });
            }
            Ok(quote! {
                ::saferounds_shared::json_unit_enum!(#name { #(#list),* });
            })
        }
        Data::Union(_) => Err(syn::Error::new_spanned(
            name,
            "derive(Json): not for unions",
        )),
    }
}
