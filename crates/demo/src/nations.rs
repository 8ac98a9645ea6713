//! The 31 nations of the demo alliance and the invented names their staff
//! carry. Kept apart from the generator so the tables can grow without making
//! the logic modules long; every name here is a common given name or surname,
//! combined at random, so no real person is described.

/// One participating nation: ISO 3166-1 alpha-3 code, mail domain label and
/// pools of given names and surnames (may contain diacritics).
pub(crate) struct Nation {
    /// ISO 3166-1 alpha-3 code.
    pub code: &'static str,
    /// Label used in the mail domain, e.g. `mon-pl` for `mon-pl.example`.
    pub domain: &'static str,
    /// Relative share of accounts drawn from this nation.
    pub weight: u32,
    /// Given names.
    pub first: Vec<&'static str>,
    /// Surnames.
    pub last: Vec<&'static str>,
}

/// `code;domain;weight;given,names;sur,names` — one line per nation, 31 lines.
const TABLE: &str = "\
USA;us-dod;14;James,Emily,Michael,Sarah,David,Jessica,Robert,Ashley,Daniel,Megan;Carter,Reynolds,Brooks,Hughes,Walker,Bennett,Coleman,Foster,Sullivan,Parker
GBR;mod-uk;10;Oliver,Charlotte,Harry,Amelia,George,Sophie,Thomas,Eleanor;Whitfield,Ashworth,Pemberton,Clarke,Hollis,Fairbairn,Turner,Marsh
FRA;defense-fr;9;Camille,Julien,Élodie,Mathieu,Chloé,Antoine,Léa,Nicolas;Moreau,Lefèvre,Girard,Fontaine,Chevalier,Rousseau,Garnier,Mercier
DEU;bund-de;9;Lukas,Anna,Jonas,Lena,Felix,Katrin,Tobias,Jürgen;Müller,Schneider,Hoffmann,Becker,Krüger,Vogel,Schäfer,Brandt
ITA;difesa-it;6;Marco,Giulia,Luca,Francesca,Alessandro,Chiara;Rossi,Bianchi,Ferrari,Esposito,Romano,Colombo,Ricci
ESP;defensa-es;6;Javier,Lucía,Alejandro,María,Pablo,Carmen;García,Martínez,López,Sánchez,Navarro,Ortega,Castillo
NLD;mindef-nl;5;Daan,Sanne,Bram,Lotte,Joris,Femke;de Vries,Jansen,Bakker,Visser,Smit,Mulder
BEL;mil-be;4;Wout,Elise,Arnaud,Margaux,Pieter;Peeters,Janssens,Dubois,Lambert,Claes,Wouters
POL;mon-pl;6;Łukasz,Agnieszka,Piotr,Katarzyna,Tomasz,Małgorzata;Nowak,Kowalski,Wiśniewski,Zieliński,Lewandowski,Wójcik
NOR;forsvaret-no;4;Ola,Ingrid,Håkon,Silje,Eirik;Hansen,Johansen,Haugen,Lunde,Solberg,Bakke
DNK;fmn-dk;4;Mads,Freja,Søren,Ida,Rasmus;Nielsen,Jørgensen,Madsen,Kristensen,Holm
CAN;forces-ca;6;Liam,Madison,Étienne,Olivia,Ethan,Geneviève;Tremblay,MacDonald,Gagnon,Campbell,Roy,Fraser
PRT;defesa-pt;4;João,Inês,Rui,Beatriz,Tiago;Silva,Santos,Ferreira,Pereira,Costa,Almeida
GRC;mod-gr;4;Giorgos,Eleni,Nikos,Katerina,Dimitris;Papadopoulos,Nikolaou,Georgiou,Karagiannis,Vlachos
TUR;msb-tr;5;Mehmet,Elif,Emre,Zeynep,Burak;Yılmaz,Kaya,Demir,Şahin,Çelik,Aydın
CZE;army-cz;4;Jakub,Tereza,Ondřej,Lucie,Martin;Novák,Svoboda,Dvořák,Černý,Procházka
SVK;mod-sk;3;Marek,Zuzana,Peter,Jana;Horváth,Kováč,Baláž,Tóth,Lukáč
HUN;hm-hu;3;Bence,Eszter,Gábor,Réka;Nagy,Kovács,Szabó,Farkas,Varga
ROU;mapn-ro;4;Andrei,Ioana,Mihai,Elena,Radu;Popescu,Ionescu,Dumitru,Stoica,Marin
BGR;mod-bg;3;Georgi,Mariya,Ivan,Desislava;Ivanov,Petrova,Dimitrov,Georgieva,Stoyanov
HRV;morh-hr;3;Luka,Petra,Ivan,Marija;Horvat,Kovačević,Babić,Marić,Jurić
SVN;mors-si;3;Matej,Nina,Jan,Maja;Novak,Krajnc,Zupančič,Kovačič,Potočnik
EST;kmin-ee;3;Kristjan,Kadri,Rasmus,Liis;Tamm,Saar,Sepp,Mägi,Kask
LVA;mod-lv;3;Jānis,Ilze,Mārtiņš,Liene;Bērziņš,Kalniņš,Ozoliņš,Liepa,Krūmiņš
LTU;kam-lt;3;Mantas,Rūta,Tomas,Eglė;Kazlauskas,Jankauskas,Petrauskas,Stankevičius,Vasiliauskas
FIN;puolustus-fi;4;Mikko,Aino,Juha,Sanna,Ville;Virtanen,Korhonen,Mäkinen,Nieminen,Heikkinen
SWE;forsvarsmakten-se;4;Erik,Maja,Anders,Linnea,Johan;Andersson,Lindqvist,Bergström,Nyström,Ekström
LUX;armee-lu;2;Luc,Anne,Marc;Weber,Schmit,Reuter,Hoffmann
ISL;lhg-is;2;Gunnar,Sigríður,Einar;Jónsson,Sigurðardóttir,Magnússon,Ólafsson
AUS;defence-au;4;Jack,Chloe,Noah,Isla,Lachlan;Mitchell,Harrington,O'Connell,Lawson,Kerr
JPN;mod-jp;3;Haruto,Yui,Takeshi,Aoi;Sato,Suzuki,Takahashi,Watanabe,Kobayashi";

/// The 31 nations (alliance members and a few partners), parsed from [`TABLE`].
pub(crate) fn nations() -> Vec<Nation> {
    TABLE
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(';');
            let code = parts.next()?;
            let domain = parts.next()?;
            let weight = parts.next()?.parse().ok()?;
            let first = parts.next()?.split(',').collect();
            let last = parts.next()?.split(',').collect();
            Some(Nation {
                code,
                domain,
                weight,
                first,
                last,
            })
        })
        .collect()
}

/// Fold a name to lowercase ASCII for use in an e-mail local part: diacritics
/// are dropped, spaces and apostrophes removed.
pub(crate) fn email_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let folded: &str = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'Á' | 'Å' | 'Ä' => "a",
            'æ' | 'Æ' => "ae",
            'č' | 'ç' | 'ć' | 'Č' | 'Ç' => "c",
            'ď' | 'ð' | 'Ð' => "d",
            'é' | 'è' | 'ê' | 'ë' | 'ě' | 'ē' | 'ė' | 'É' | 'È' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ı' | 'ī' | 'Í' | 'İ' => "i",
            'ł' | 'Ł' => "l",
            'ņ' | 'ń' | 'ň' | 'ñ' => "n",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ö' | 'Ø' => "o",
            'ř' => "r",
            'š' | 'ş' | 'ś' | 'Š' | 'Ş' | 'Ś' => "s",
            'ß' => "ss",
            'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'Ú' | 'Ü' => "u",
            'ý' | 'ÿ' | 'Ý' => "y",
            'ž' | 'ź' | 'ż' | 'Ž' | 'Ż' => "z",
            'þ' | 'Þ' => "th",
            'ğ' | 'ģ' | 'Ğ' => "g",
            'ķ' => "k",
            'ļ' => "l",
            ' ' | '\'' | '-' => "",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "",
        };
        out.push_str(folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_31_distinct_nations() {
        let all = nations();
        assert_eq!(all.len(), TABLE.lines().count());
        let mut codes: Vec<_> = all.iter().map(|n| n.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 31);
    }

    #[test]
    fn every_name_folds_to_ascii() {
        for nation in nations() {
            for name in nation.first.iter().chain(nation.last.iter()) {
                let folded = email_part(name);
                assert!(!folded.is_empty(), "{name}");
                assert!(
                    folded.bytes().all(|b| b.is_ascii_lowercase()),
                    "{name} -> {folded}"
                );
            }
        }
    }
}
